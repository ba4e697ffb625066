#include "libskr/http/client.h"

#include <httplib.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <strings.h>

#include "libskr/x509/certificate.h"

namespace skr::http {

std::optional<std::string> Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

Result<Client> Client::Create(ClientOptions options) {
  const std::string url = options.base_url;
  auto bad = [&](std::string_view why) {
    return InvalidArgument("HTTP client: base URL \"" + url + "\": " + std::string(why) +
                           " (expected http(s)://HOST[:PORT][/prefix])");
  };
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("missing scheme");
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https");
  size_t host_start = scheme_end + 3;
  size_t path_start = url.find('/', host_start);
  std::string authority = url.substr(
      host_start, path_start == std::string::npos ? std::string::npos : path_start - host_start);
  if (authority.empty()) return bad("empty host");
  if (options.ca_bundle_pem) {
    auto certs = x509::CertificatesFromPem(*options.ca_bundle_pem);
    if (!certs.ok()) return certs.error().WithContext("HTTP client: CA bundle");
  }
  Client c(std::move(options));
  c.scheme_host_port_ = scheme + "://" + authority;
  if (path_start != std::string::npos) {
    c.path_prefix_ = url.substr(path_start);
    while (!c.path_prefix_.empty() && c.path_prefix_.back() == '/') c.path_prefix_.pop_back();
  }
  return c;
}

Result<Response> Client::Request(std::string_view method, std::string_view path,
                                 const Headers& headers, std::string_view body,
                                 std::string_view content_type) const {
  std::string full_path = path_prefix_ + std::string(path);
  std::string what = std::string(method) + " " + scheme_host_port_ + full_path;
  httplib::Client cli(scheme_host_port_);
  if (!cli.is_valid()) return Unavailable(what + ": cannot create a client for this URL");
  auto ms = [](std::chrono::milliseconds d) {
    return std::make_pair(static_cast<time_t>(d.count() / 1000),
                          static_cast<time_t>((d.count() % 1000) * 1000));
  };
  auto [cs, cus] = ms(options_.connect_timeout);
  auto [rs, rus] = ms(options_.read_timeout);
  auto [ws, wus] = ms(options_.write_timeout);
  cli.set_connection_timeout(cs, cus);
  cli.set_read_timeout(rs, rus);
  cli.set_write_timeout(ws, wus);
  cli.enable_server_certificate_verification(true);
  if (options_.ca_bundle_pem && scheme_host_port_.rfind("https", 0) == 0) {
    // The SSL context takes ownership of the store.
    X509_STORE* store = X509_STORE_new();
    auto certs = x509::CertificatesFromPem(*options_.ca_bundle_pem);
    if (!certs.ok()) {
      X509_STORE_free(store);
      return certs.error().WithContext("HTTP client: CA bundle");
    }
    for (const auto& c : *certs) X509_STORE_add_cert(store, c.x509());
    cli.set_ca_cert_store(store);
    // cpp-httplib (0.11) loads its verify locations into the store at connect time: by default
    // SSL_CTX_set_default_verify_paths, which would add the whole system store to the pinned
    // bundle (and read it on every request). A CA *directory* takes precedence over the default;
    // one that does not exist adds nothing, so the bundle stays the only trust anchor.
    cli.set_ca_cert_path("", "/nonexistent/skr-http-client-pinned-ca-bundle-only");
  }
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);

  httplib::Result res(nullptr, httplib::Error::Unknown);
  std::string p = full_path.empty() ? "/" : full_path;
  std::string ct(content_type);
  if (method == "GET") {
    res = cli.Get(p, h);
  } else if (method == "DELETE") {
    res = body.empty() ? cli.Delete(p, h) : cli.Delete(p, h, body.data(), body.size(), ct);
  } else if (method == "POST") {
    res = cli.Post(p, h, body.data(), body.size(), ct);
  } else if (method == "PUT") {
    res = cli.Put(p, h, body.data(), body.size(), ct);
  } else if (method == "PATCH") {
    res = cli.Patch(p, h, body.data(), body.size(), ct);
  } else {
    return InvalidArgument("HTTP client: unsupported method \"" + std::string(method) + "\"");
  }
  if (!res) {
    std::string reason = httplib::to_string(res.error());
    if (res.error() == httplib::Error::SSLServerVerification) {
      long v = cli.get_openssl_verify_result();
      reason += std::string(" (") + X509_verify_cert_error_string(v) +
                "; pass the server's CA bundle in ClientOptions::ca_bundle_pem)";
    }
    return Unavailable(what + ": no response: " + reason);
  }
  Response out;
  out.status = res->status;
  out.body = res->body;
  for (const auto& [k, v] : res->headers) out.headers.emplace_back(k, v);
  return out;
}

}  // namespace skr::http
