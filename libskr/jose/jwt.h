// JWT claim validation (RFC 7519 section 4.1): time window, issuer, audience. This is policy on a
// token whose signature has already been verified (jws.h); nothing here checks authenticity.
#ifndef SKR_JOSE_JWT_H_
#define SKR_JOSE_JWT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::jose {

struct JwtValidationOptions {
  int64_t now = 0;  // seconds since the epoch; the caller's clock (tests pass fixed times)
  int64_t leeway_seconds = 0;         // allowed clock skew, applied to exp, nbf and iat
  bool require_exp = true;            // MAA tokens always carry exp (skr-protocol.md 3.2)
  std::optional<std::string> issuer;  // required exact "iss" when set
  // Treat "https://x/" and "https://x" as the same issuer, as Key Vault does when matching a
  // release policy authority (skr-protocol.md 4.2, 6.11).
  bool issuer_ignore_trailing_slash = false;
  std::optional<std::string> audience;  // when set, "aud" (string or array) must contain it
};

// The payload of a JWT as a JSON object (kMalformed otherwise).
Result<nlohmann::json> ParseJwtClaims(ByteView payload);

// kMalformed for a claim of the wrong type (exp/nbf/iat must be numbers, integer or fractional;
// iss a string; aud a string or array of strings); kPolicyViolation when a check fails, with the
// claim, its value as a UTC time, now and the leeway in the message.
Result<void> ValidateJwtClaims(const nlohmann::json& claims, const JwtValidationOptions& opts);

}  // namespace skr::jose

#endif  // SKR_JOSE_JWT_H_
