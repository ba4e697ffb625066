// Verification of the two kinds of tokens Key Vault accepts:
// * the release `target`: an attestation JWT, verified by OIDC discovery on its issuer
//   (`{iss}/.well-known/openid-configuration` -> `jwks_uri` -> key by `kid`; skr-protocol.md 4.2),
//   only for issuers the vault is configured to trust, RS256 only;
// * the caller's Entra ID bearer token (audience https://vault.azure.net; 4.3, 4.6).
// This is authenticity plus the token's own time window; the release policy is evaluated
// separately (release_policy.h).
#ifndef SKR_MOCK_KV_TOKEN_VERIFIER_H_
#define SKR_MOCK_KV_TOKEN_VERIFIER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/result.h"
#include "libskr/jose/jwk.h"

namespace skr::mock_kv {

struct AttestationTrust {
  // Issuers (attestation service base URLs) whose OIDC metadata the vault may fetch; compared
  // with the token "iss" ignoring a trailing slash. Empty: no token is trusted.
  std::vector<std::string> trusted_issuers;
  // CA bundle (PEM) for fetching the issuers' metadata over HTTPS; nullopt: system roots.
  std::optional<std::string> ca_bundle_pem;
  int64_t leeway_seconds = 60;  // exp/nbf tolerance (KV's real value is UNCONFIRMED, 6.6)
};

struct VerifiedToken {
  std::string issuer;
  nlohmann::json claims;
};

// Issuer signing keys fetched by OIDC discovery, kept for `ttl` (steady clock) and fetched again
// early when a token names a kid the cached set lacks (key rollover). Thread-safe.
class JwksCache {
 public:
  explicit JwksCache(std::chrono::seconds ttl = std::chrono::seconds(300)) : ttl_(ttl) {}
  Result<jose::Jwks> Get(const std::string& issuer, const std::string& kid,
                         const std::optional<std::string>& ca_bundle_pem);
  size_t fetches() const { return fetches_.load(); }

 private:
  struct Entry {
    jose::Jwks jwks;
    std::chrono::steady_clock::time_point fetched;
  };
  std::chrono::seconds ttl_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::atomic<size_t> fetches_{0};
};

// Error codes: kMalformed (not a compact JWS / claims not a JSON object), kVerificationFailed
// (alg not RS256, unknown kid, bad signature), kPolicyViolation (untrusted issuer, expired, not
// yet valid), kUnavailable (the issuer's metadata or JWKS could not be fetched or parsed).
// `cache` (optional) avoids fetching the issuer's metadata and keys for every token.
Result<VerifiedToken> VerifyAttestationToken(std::string_view token, const AttestationTrust& trust,
                                             int64_t now, JwksCache* cache = nullptr);

// Fetches `{issuer}/.well-known/openid-configuration`, then its `jwks_uri`. kUnavailable with
// the URL and reason on any failure.
Result<jose::Jwks> FetchIssuerJwks(std::string_view issuer,
                                   const std::optional<std::string>& ca_bundle_pem);

// Microsoft Entra ID as Key Vault sees it.
struct IdentityTrust {
  std::string tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  std::string issuer;  // default (empty): "https://sts.windows.net/<tenant_id>/"
  // Signing keys of the identity provider. nullopt: fetched from the issuer by OIDC discovery.
  std::optional<jose::Jwks> jwks;
  std::optional<std::string> ca_bundle_pem;  // for that fetch
  int64_t leeway_seconds = 300;

  std::string EffectiveIssuer() const;
  // The WWW-Authenticate challenge Key Vault sends with 401.
  std::string Challenge() const;
};

inline constexpr std::string_view kVaultAudience = "https://vault.azure.net";

struct Caller {
  std::string oid;
  std::string appid;
  std::string issuer;
};

// Verifies an "Authorization" header value. kNotFound when there is no bearer token (missing
// header or another scheme), kVerificationFailed / kPolicyViolation / kMalformed otherwise, each
// with a message in Key Vault's AKV100xx style where the real text is known.
Result<Caller> VerifyBearer(std::string_view authorization_header, const IdentityTrust& trust,
                            int64_t now);

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_TOKEN_VERIFIER_H_
