// An HTTP(S) client for SDK-side code (the guest client, conformance, tests): one base URL,
// optional CA bundle for HTTPS, timeouts, and Result errors that name the URL and the reason.
// Each request opens its own connection, so one Client may be used from several threads.
#ifndef SKR_HTTP_CLIENT_H_
#define SKR_HTTP_CLIENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libskr/base/result.h"

namespace skr::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  Headers headers;
  std::string body;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

struct ClientOptions {
  std::string base_url;  // "https://127.0.0.1:8443" (a path prefix is allowed)
  // PEM bundle of CA certificates trusted for HTTPS. nullopt: the system trust store.
  std::optional<std::string> ca_bundle_pem;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds write_timeout{30000};
};

class Client {
 public:
  // kInvalidArgument for a base URL that is not http(s)://HOST[:PORT][/prefix] or a CA bundle
  // that does not parse.
  static Result<Client> Create(ClientOptions options);
  // The same with default timeouts.
  static Result<Client> Create(std::string base_url,
                               std::optional<std::string> ca_bundle_pem = std::nullopt) {
    ClientOptions o;
    o.base_url = std::move(base_url);
    o.ca_bundle_pem = std::move(ca_bundle_pem);
    return Create(std::move(o));
  }

  // Any HTTP status is a successful Result; kUnavailable (with method, URL and reason, e.g.
  // "connection refused" or the TLS verification error) when no response was received.
  Result<Response> Request(std::string_view method, std::string_view path, const Headers& headers,
                           std::string_view body = {},
                           std::string_view content_type = "application/json") const;
  Result<Response> Get(std::string_view path, const Headers& headers = {}) const {
    return Request("GET", path, headers);
  }
  Result<Response> Post(std::string_view path, const Headers& headers, std::string_view body,
                        std::string_view content_type = "application/json") const {
    return Request("POST", path, headers, body, content_type);
  }
  Result<Response> Put(std::string_view path, const Headers& headers, std::string_view body,
                       std::string_view content_type = "application/json") const {
    return Request("PUT", path, headers, body, content_type);
  }
  Result<Response> Patch(std::string_view path, const Headers& headers, std::string_view body,
                         std::string_view content_type = "application/json") const {
    return Request("PATCH", path, headers, body, content_type);
  }
  Result<Response> Delete(std::string_view path, const Headers& headers = {}) const {
    return Request("DELETE", path, headers);
  }

  const std::string& base_url() const { return options_.base_url; }

 private:
  explicit Client(ClientOptions o) : options_(std::move(o)) {}
  ClientOptions options_;
  std::string scheme_host_port_;  // "https://host:port"
  std::string path_prefix_;       // "" or "/prefix"
};

}  // namespace skr::http

#endif  // SKR_HTTP_CLIENT_H_
