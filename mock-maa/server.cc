#include "mock-maa/server.h"

#include <httplib.h>

#include "libskr/http/test_tls.h"

namespace skr::mock_maa {

namespace {
// Status -> MAA-style code for errors the HTTP layer answers itself (unparsable request, 413).
std::string CodeFor(int status) {
  switch (status) {
    case 400:
      return "InvalidParameter";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 413:
      return "RequestEntityTooLarge";
    default:
      return status >= 500 ? "InternalError" : "BadRequest";
  }
}
}  // namespace

Result<std::unique_ptr<MaaServer>> MaaServer::Start(MaaServerOptions options) {
  std::unique_ptr<MaaServer> s(new MaaServer());
  SKR_ASSIGN_OR_RETURN(s->service_, AttestationService::Create(options.service));
  http::ServerOptions so;
  so.listen = options.listen;
  so.threads = options.threads;
  // One byte more than the service limit, so the service itself answers oversized bodies it can
  // still read; anything larger is cut off by the HTTP layer with the same 413 shape.
  so.max_payload_bytes = options.service.max_body_bytes + 1;
  so.error_body = [](int status, std::string_view reason) {
    return http::ErrorBody(CodeFor(status), reason);
  };
  if (options.tls) {
    std::vector<std::string> hosts = http::DefaultTlsHostnames();
    if (options.listen.host != "127.0.0.1" && options.listen.host != "0.0.0.0" &&
        options.listen.host != "::" && options.listen.host != "localhost") {
      hosts.push_back(options.listen.host);
    }
    SKR_ASSIGN_OR_RETURN(http::ServerTls tls,
                         http::MakeServerTls(options.service.seed, hosts, "mock-maa"));
    s->ca_pem_ = tls.ca_cert_pem;
    so.tls = tls.identity;
  }
  AttestationService* svc = s->service_.get();
  auto handler = [svc](const httplib::Request& req, httplib::Response& res) {
    ServiceResponse r = svc->Handle(req.method, req.target, req.body);
    res.status = r.status;
    for (const auto& [k, v] : r.headers) res.set_header(k, v);
    res.set_content(r.body, r.content_type);
  };
  SKR_ASSIGN_OR_RETURN(s->server_, http::Server::Start(so, [&](httplib::Server& svr) {
                         svr.Get(".*", handler);
                         svr.Post(".*", handler);
                         svr.Put(".*", handler);
                         svr.Patch(".*", handler);
                         svr.Delete(".*", handler);
                       }));
  if (!options.keep_issuer) SKR_RETURN_IF_ERROR(s->service_->SetIssuer(s->server_->url()));
  return s;
}

MaaServer::~MaaServer() { Stop(); }

void MaaServer::Stop() {
  if (server_) server_->Stop();
}

}  // namespace skr::mock_maa
