// JWS compact serialization (RFC 7515 section 7.1) with the asymmetric algorithms of RFC 7518
// section 3: RS256/384/512, PS256/384/512 (salt = hash length), ES256/384/512 (r||s).
// Verification is explicit about trust: the caller names the allowed algorithms and the key (or
// the JWKS, or the x5c roots). "none" and HMAC are never accepted: we have no symmetric keys, so
// an HS* header is an algorithm-confusion attempt.
#ifndef SKR_JOSE_JWS_H_
#define SKR_JOSE_JWS_H_

#include <ctime>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/jose/jwk.h"
#include "libskr/x509/certificate.h"

namespace skr::jose {

enum class JwsAlg { kRs256, kRs384, kRs512, kPs256, kPs384, kPs512, kEs256, kEs384, kEs512 };

std::string_view JwsAlgName(JwsAlg alg);  // "RS256"
// kVerificationFailed for "none" (any case) and HS*, kUnsupported for other unknown names.
Result<JwsAlg> JwsAlgFromName(std::string_view name);
// Whether `key` can be used with `alg` (RSA for RS/PS; P-256/384/521 for ES256/384/512).
Result<void> CheckAlgMatchesKey(JwsAlg alg, const crypto::PublicKey& key);

// The three decoded parts of a compact JWS. Nothing here is authenticated.
struct CompactJws {
  nlohmann::json header;  // a JSON object
  Bytes payload;
  Bytes signature;
  std::string signing_input;  // ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
};
// Syntax only: exactly three segments of strict unpadded base64url, header a JSON object.
Result<CompactJws> ParseCompactJws(std::string_view compact);

// Signs `payload`. header["alg"] is set to `alg` (if the caller already set it, it must agree);
// `alg` must fit the key.
Result<std::string> SignCompact(nlohmann::json header, ByteView payload, JwsAlg alg,
                                const crypto::PrivateKey& key);

struct JwsVerifyOptions {
  std::vector<JwsAlg> allowed_algs;  // must not be empty
  // Header parameter names listed in "crit" that the caller understands and processes itself
  // (RFC 7515 4.1.11); any other "crit" entry fails verification.
  std::vector<std::string> understood_crit;
  size_t min_rsa_bits = 2048;  // smaller RSA keys are refused (kPolicyViolation)
};

struct VerifiedJws {
  nlohmann::json header;
  Bytes payload;
  JwsAlg alg;
};

// Verifies with a key the caller trusts. Error codes: kMalformed (syntax, signature length),
// kVerificationFailed (alg none/HS*/not allowed/not matching the key, bad signature),
// kUnsupported (unknown alg or crit entry), kPolicyViolation (weak key).
Result<VerifiedJws> VerifyCompact(std::string_view compact, const crypto::PublicKey& key,
                                  const JwsVerifyOptions& opts);
// As VerifyCompact, and the JWK's own restrictions apply: "use" must be "sig", "key_ops" must
// contain "verify", and "alg" (when present) must equal the header's alg (RFC 7517 4.2-4.4).
Result<VerifiedJws> VerifyCompactWithJwk(std::string_view compact, const Jwk& jwk,
                                         const JwsVerifyOptions& opts);
// Picks the key by the header's "kid" (exact string match; kNotFound if absent from the set).
Result<VerifiedJws> VerifyCompactWithJwks(std::string_view compact, const Jwks& jwks,
                                          const JwsVerifyOptions& opts);

struct VerifiedX5cJws {
  VerifiedJws jws;
  std::vector<x509::Certificate> chain;  // header x5c, leaf first
};
// Verifies the header's x5c chain to one of `roots` at time `at`, then the signature with
// x5c[0]'s key (how the SKR sidecar checks Key Vault's release JWS, skr-protocol.md 4.4).
// "x5t" / "x5t#S256" in the header, when present, must match the leaf.
Result<VerifiedX5cJws> VerifyCompactWithX5c(std::string_view compact,
                                            std::span<const x509::Certificate> roots,
                                            std::time_t at, const JwsVerifyOptions& opts);

}  // namespace skr::jose

#endif  // SKR_JOSE_JWS_H_
