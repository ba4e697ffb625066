// The guest's clients of the Azure services in the SKR flow (skr-protocol.md 0): IMDS (managed
// identity token, THIM certificates, TD quote), MAA (SevSnpVm, TdxVm, AzureGuest) and Key Vault
// (release, get key). Defaults are the real endpoints; the emulated stack is reached by passing
// its URLs and CA bundle, never through different code.
#ifndef SKR_CLIENT_SERVICES_H_
#define SKR_CLIENT_SERVICES_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/http/client.h"
#include "libskr/kv/key_hsm.h"
#include "libskr/maa/requests.h"
#include "libskr/snp/thim.h"

namespace skr::client {

inline constexpr std::string_view kImdsUrl = "http://169.254.169.254";

// Retries as the Microsoft guest library does (skr-protocol.md 1.5): 408, 429 and 5xx and
// connection failures are retried with exponential back-off (Retry-After honoured when present,
// capped at max_backoff); any other status, 400 above all, is returned at once.
struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  // Injectable for tests; defaults to std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// One request through the policy. `what` names the step in errors ("MAA attest/SevSnpVm").
Result<http::Response> SendWithRetry(const http::Client& client, std::string_view method,
                                     std::string_view path, const http::Headers& headers,
                                     std::string_view body, const RetryPolicy& policy,
                                     std::string_view what);

// The error a non-2xx response means, with the service's own code and message when the body
// carries {"error":{"code","message"}} (MAA, Key Vault) or {"error","error_description"} (IMDS).
// Status 400 -> kInvalidArgument, 401/403 -> kPolicyViolation, 404 -> kNotFound, 5xx/408/429 ->
// kUnavailable, others kInternal.
Error ServiceError(std::string_view what, const http::Response& response);

struct ServiceEndpoint {
  std::string url;
  std::optional<std::string> ca_bundle_pem;  // nullopt: the system trust store
  // Per-request read/write timeout; a request that times out counts as a connection failure
  // (retried, then kUnavailable).
  std::chrono::milliseconds timeout{30000};
};
// The HTTP client for an endpoint.
Result<http::Client> ClientFor(const ServiceEndpoint& endpoint);

// Which managed identity IMDS should issue the token for (at most one is set).
struct IdentitySelector {
  std::optional<std::string> client_id;
  std::optional<std::string> object_id;
  std::optional<std::string> msi_res_id;
};

struct AccessToken {
  std::string token;
  int64_t expires_on = 0;
};

class ImdsClient {
 public:
  static Result<ImdsClient> Create(ServiceEndpoint endpoint = {std::string(kImdsUrl), {}},
                                   RetryPolicy retry = {});
  // GET /metadata/identity/oauth2/token (5.1), resource e.g. "https://vault.azure.net".
  Result<AccessToken> GetAccessToken(std::string_view resource,
                                     const IdentitySelector& identity = {}) const;
  // GET /metadata/THIM/amd/certification (5.2).
  Result<snp::ThimCertification> GetThimCertification() const;
  // POST /acc/tdquote (5.3): the TD quote for a 1024-byte TDREPORT.
  Result<Bytes> GetTdQuote(ByteView td_report) const;

 private:
  ImdsClient(http::Client c, RetryPolicy r) : http_(std::move(c)), retry_(std::move(r)) {}
  http::Client http_;
  RetryPolicy retry_;
};

// MAA attestation types (the path segment of /attest/...).
enum class AttestationFlow { kAzureGuest, kSevSnpVm, kTdxVm };
std::string_view AttestationFlowName(AttestationFlow flow);              // "AzureGuest", ...
Result<AttestationFlow> AttestationFlowFromName(std::string_view name);  // case-insensitive

class MaaClient {
 public:
  static Result<MaaClient> Create(ServiceEndpoint endpoint, RetryPolicy retry = {});
  // api-versions the real clients use (1.1): 2022-08-01 for SevSnpVm, 2023-04-01-preview for
  // TdxVm, 2020-10-01 for AzureGuest.
  Result<std::string> AttestSevSnpVm(const maa::SevSnpVmRequest& request) const;
  Result<std::string> AttestTdxVm(const maa::TdxVmRequest& request) const;
  // Returns the sealed token (1.5); open it with maa::OpenSealedJwt and the ephemeral key.
  Result<maa::SealedToken> AttestAzureGuest(const maa::AttestationInfo& info) const;
  const std::string& url() const { return http_.base_url(); }

 private:
  MaaClient(http::Client c, RetryPolicy r) : http_(std::move(c)), retry_(std::move(r)) {}
  Result<std::string> Attest(std::string_view path, std::string_view body) const;
  http::Client http_;
  RetryPolicy retry_;
};

// What POST {kid}/release returns (4.4), with the JWS unpacked (its signature is checked only
// when the caller asks, as AzureAttestSKR does not).
struct ReleaseResult {
  std::string jws;
  nlohmann::json header;
  nlohmann::json payload;
  nlohmann::json key;  // payload.response.key.key (the JWK with key_hsm)
  kv::KeyHsmBlob key_hsm;
};

class KeyVaultClient {
 public:
  // `vault_url` e.g. "https://myvault.vault.azure.net"; api-version 7.4 unless set.
  static Result<KeyVaultClient> Create(ServiceEndpoint vault, std::string bearer_token,
                                       RetryPolicy retry = {}, std::string api_version = "7.4");
  // `key` is a key name, "name/version", or a full key id URL on this vault.
  Result<ReleaseResult> Release(std::string_view key, const kv::ReleaseRequest& request) const;
  Result<nlohmann::json> GetKey(std::string_view key) const;

 private:
  KeyVaultClient(http::Client c, std::string token, RetryPolicy r, std::string v)
      : http_(std::move(c)), token_(std::move(token)), retry_(std::move(r)), api_(std::move(v)) {}
  Result<std::string> KeyPath(std::string_view key) const;
  http::Client http_;
  std::string token_;
  RetryPolicy retry_;
  std::string api_;
};

}  // namespace skr::client

#endif  // SKR_CLIENT_SERVICES_H_
