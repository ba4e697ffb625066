// An HTTP(S) server on its own thread over cpp-httplib, with the limits and error handling every
// skr-harness service needs: port 0 for a free port, bounded payloads, headers and timeouts, and
// malformed or hostile input answered with an error status while the server keeps serving.
#ifndef SKR_HTTP_SERVER_H_
#define SKR_HTTP_SERVER_H_

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "libskr/base/result.h"

namespace skr::http {

struct ListenAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
};
// "HOST:PORT" or "[V6]:PORT"; the port may be 0. kMalformed with the text otherwise.
Result<ListenAddress> ParseListen(std::string_view text);

// A server certificate chain (leaf first, then intermediates; PEM) and its private key (PEM).
struct TlsIdentity {
  std::string cert_chain_pem;
  std::string key_pem;
};

// The JSON error body {"error":{"code":...,"message":...}} that both Key Vault and MAA use.
std::string ErrorBody(std::string_view code, std::string_view message);

struct ServerOptions {
  ListenAddress listen;
  std::optional<TlsIdentity> tls;      // nullopt: plain HTTP
  size_t max_payload_bytes = 1 << 20;  // larger bodies get 413
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};
  size_t threads = 4;
  // Body for error responses that have none (404 for unknown paths, 400 for an unparsable
  // request, 413, 500 from an exception): (status, reason) -> JSON text. Default: ErrorBody
  // with a code derived from the status ("NotFound", "BadRequest", ...).
  std::function<std::string(int status, std::string_view reason)> error_body;
};

class Server {
 public:
  // Binds, installs the routes (called once, before serving) and starts serving on a thread.
  // Returns once the server accepts connections. kUnavailable if the address cannot be bound,
  // kInvalidArgument for an unusable TLS identity.
  static Result<std::unique_ptr<Server>> Start(
      ServerOptions options, std::function<void(httplib::Server&)> install_routes);

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  bool tls() const { return tls_; }
  // "https://127.0.0.1:PORT" (or http://); a wildcard listen host is reported as 127.0.0.1.
  std::string url() const;
  // Stops accepting, finishes the serving thread and joins it. Idempotent.
  void Stop();

 private:
  Server() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  uint16_t port_ = 0;
  bool tls_ = false;
  bool stopped_ = false;
};

}  // namespace skr::http

#endif  // SKR_HTTP_SERVER_H_
