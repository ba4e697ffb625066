// mock-maa over HTTP(S): an AttestationService behind skr::http::Server. HTTPS by default with a
// seed-derived test CA (clients trust ca_cert_pem()); the issuer (iss, jku) is the server's URL.
#ifndef SKR_MOCK_MAA_SERVER_H_
#define SKR_MOCK_MAA_SERVER_H_

#include <memory>
#include <string>

#include "libskr/base/result.h"
#include "libskr/http/server.h"
#include "mock-maa/attestation_service.h"

namespace skr::mock_maa {

struct MaaServerOptions {
  ServiceOptions service;  // service.issuer is replaced by the server URL unless keep_issuer
  http::ListenAddress listen;
  bool tls = true;
  bool keep_issuer = false;  // serve with service.issuer as given (e.g. behind a proxy)
  size_t threads = 4;
};

class MaaServer {
 public:
  static Result<std::unique_ptr<MaaServer>> Start(MaaServerOptions options);
  ~MaaServer();

  std::string url() const { return server_->url(); }
  uint16_t port() const { return server_->port(); }
  // The test CA clients must trust (empty for plain HTTP).
  const std::string& ca_cert_pem() const { return ca_pem_; }
  AttestationService& service() { return *service_; }
  void Stop();

 private:
  MaaServer() = default;
  std::unique_ptr<AttestationService> service_;
  std::unique_ptr<http::Server> server_;
  std::string ca_pem_;
};

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_SERVER_H_
