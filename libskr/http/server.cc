#include "libskr/http/server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <exception>
#include <nlohmann/json.hpp>

#include "libskr/crypto/keys.h"
#include "libskr/x509/certificate.h"

namespace skr::http {

Result<ListenAddress> ParseListen(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Malformed("listen address \"" + std::string(text) + "\": " + std::string(why) +
                     " (expected HOST:PORT, e.g. 127.0.0.1:0)");
  };
  ListenAddress out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return bad("unterminated [IPv6] host or missing :PORT");
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing :PORT");
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (out.host.find(':') != std::string::npos) return bad("IPv6 hosts must be in brackets");
  }
  if (out.host.empty()) return bad("empty host");
  if (port_text.empty() || port_text.size() > 5) return bad("port is not a number 0-65535");
  uint32_t port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9') return bad("port is not a number 0-65535");
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return bad("port is not a number 0-65535");
  out.port = static_cast<uint16_t>(port);
  return out;
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  nlohmann::json j = {{"error", {{"code", code}, {"message", message}}}};
  return j.dump();
}

namespace {

std::string StatusCodeName(int status) {
  switch (status) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 408:
      return "RequestTimeout";
    case 413:
      return "RequestEntityTooLarge";
    case 414:
      return "RequestUriTooLong";
    case 415:
      return "UnsupportedMediaType";
    case 416:
      return "RangeNotSatisfiable";
    case 431:
      return "RequestHeaderFieldsTooLarge";
    case 500:
      return "InternalServerError";
    case 501:
      return "NotImplemented";
    case 503:
      return "ServiceUnavailable";
    default:
      return status >= 500 ? "InternalServerError" : "BadRequest";
  }
}

std::string StatusReason(int status) {
  switch (status) {
    case 400:
      return "The request could not be parsed.";
    case 404:
      return "No route matches this method and path.";
    case 405:
      return "The method is not allowed for this path.";
    case 413:
      return "The request body exceeds the server's limit.";
    case 414:
      return "The request URI is too long.";
    case 500:
      return "The server failed while handling the request.";
    default:
      return "The request failed with HTTP status " + std::to_string(status) + ".";
  }
}

// Builds an SSL_CTX setup for the callback constructor of httplib::SSLServer.
Result<std::function<bool(SSL_CTX&)>> TlsSetup(const TlsIdentity& id) {
  auto chain = x509::CertificatesFromPem(id.cert_chain_pem);
  if (!chain.ok()) return chain.error().WithContext("TLS identity: certificate chain");
  auto key = crypto::PrivateKeyFromPem(id.key_pem);
  if (!key.ok()) return key.error().WithContext("TLS identity: private key");
  if (!chain->front().public_key().Equals(key->public_key())) {
    return InvalidArgument(
        "TLS identity: the private key does not match the first certificate of the chain (" +
        chain->front().subject() + ")");
  }
  std::vector<x509::Certificate> certs = std::move(chain).value();
  crypto::PrivateKey pkey = std::move(key).value();
  return std::function<bool(SSL_CTX&)>([certs, pkey](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    if (SSL_CTX_use_certificate(&ctx, certs.front().x509()) != 1) return false;
    for (size_t i = 1; i < certs.size(); ++i) {
      if (SSL_CTX_add1_chain_cert(&ctx, certs[i].x509()) != 1) return false;
    }
    if (SSL_CTX_use_PrivateKey(&ctx, pkey.evp()) != 1) return false;
    return SSL_CTX_check_private_key(&ctx) == 1;
  });
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(
    ServerOptions options, std::function<void(httplib::Server&)> install_routes) {
  std::unique_ptr<Server> self(new Server());
  if (options.tls) {
    SKR_ASSIGN_OR_RETURN(auto setup, TlsSetup(*options.tls));
    auto ssl = std::make_unique<httplib::SSLServer>(setup);
    if (!ssl->is_valid()) {
      return InvalidArgument("TLS identity: OpenSSL refused the certificate chain or key");
    }
    self->server_ = std::move(ssl);
    self->tls_ = true;
  } else {
    self->server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& svr = *self->server_;
  const size_t threads = options.threads == 0 ? 1 : options.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(options.max_payload_bytes);
  svr.set_read_timeout(options.read_timeout);
  svr.set_write_timeout(options.write_timeout);
  svr.set_keep_alive_max_count(100);
  svr.set_keep_alive_timeout(5);
  // httplib's default also sets SO_REUSEPORT, which lets a second server silently share a port
  // that is in use; keep only SO_REUSEADDR so a taken port is an error.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });

  auto error_body = options.error_body;
  if (!error_body) {
    error_body = [](int status, std::string_view reason) {
      return ErrorBody(StatusCodeName(status), reason);
    };
  }
  // A handler that throws must not take the server down: answer 500 with the reason.
  svr.set_exception_handler(
      [error_body](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        res.status = 500;
        res.set_content(error_body(500, "The server failed while handling the request: " + what),
                        "application/json; charset=utf-8");
      });
  // Runs for every response >= 400; only fills responses the routes left without a body
  // (unknown paths, requests httplib rejected while parsing, oversized bodies).
  svr.set_error_handler([error_body](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      res.set_content(error_body(res.status, StatusReason(res.status)),
                      "application/json; charset=utf-8");
    }
  });

  if (install_routes) install_routes(svr);

  const ListenAddress& l = options.listen;
  self->host_ = l.host;
  if (l.port == 0) {
    int port = svr.bind_to_any_port(l.host);
    if (port <= 0) {
      return Unavailable("HTTP server: cannot bind " + l.host +
                         ":0 (is the host an address of this machine?)");
    }
    self->port_ = static_cast<uint16_t>(port);
  } else {
    if (!svr.bind_to_port(l.host, l.port)) {
      return Unavailable("HTTP server: cannot bind " + l.host + ":" + std::to_string(l.port) +
                         " (port in use, or the host is not an address of this machine)");
    }
    self->port_ = l.port;
  }
  self->thread_ = std::thread([&svr] { svr.listen_after_bind(); });
  // stop() is a no-op until the listen loop runs, so wait for it before handing out the server.
  for (int i = 0; i < 5000 && !svr.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!svr.is_running()) {
    self->Stop();
    return Internal("HTTP server: the listen loop did not start within 5 s");
  }
  return self;
}

Server::~Server() { Stop(); }

std::string Server::url() const {
  std::string host = host_;
  if (host == "0.0.0.0" || host == "::") host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(tls_ ? "https" : "http") + "://" + host + ":" + std::to_string(port_);
}

void Server::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace skr::http
