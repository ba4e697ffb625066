// JSON Web Keys (RFC 7517, key types of RFC 7518 section 6) and JWK Sets.
// A Jwk keeps every member it was parsed from (kid, use, key_ops, alg, x5c, unknown ones) so a
// mock can re-serve exactly what it read; parsing validates the key material (strict unpadded
// base64url, exact EC coordinate sizes, point on curve, x5c[0] matching n/e).
#ifndef SKR_JOSE_JWK_H_
#define SKR_JOSE_JWK_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/x509/certificate.h"

namespace skr::jose {

struct JwkEncodeOptions {
  // Emit the RSA exponent as 4 big-endian bytes ("AAEAAQ" for 65537), as Key Vault does in
  // released keys (skr-protocol.md 4.4, 6.2). Default: minimal form ("AQAB").
  bool rsa_exponent_4_bytes = false;
};

class Jwk {
 public:
  // Validates `j` as a JWK: kty "RSA", "EC" or "oct" (others: kUnsupported); see the file comment.
  static Result<Jwk> Parse(const nlohmann::json& j);
  static Result<Jwk> ParseText(std::string_view text);
  static Jwk FromPublicKey(const crypto::PublicKey& key, const JwkEncodeOptions& opts = {});
  static Result<Jwk> FromPrivateKey(const crypto::PrivateKey& key,
                                    const JwkEncodeOptions& opts = {});

  const nlohmann::json& json() const { return json_; }
  std::string ToString() const { return json_.dump(); }

  std::string kty() const;
  std::optional<std::string> kid() const;  // the optional string members, if present
  std::optional<std::string> alg() const;
  std::optional<std::string> use() const;
  std::optional<std::vector<std::string>> key_ops() const;
  bool has_x5c() const { return json_.contains("x5c"); }
  bool is_private() const { return json_.contains("d"); }

  // Sets an optional string member (kid, alg, use, ...). Does not re-validate key material, so
  // it refuses names that carry key material or certificates.
  Result<void> SetMember(const std::string& name, nlohmann::json value);
  // The same key with private members (d, p, q, dp, dq, qi, oth, k) removed.
  Jwk PublicOnly() const;

  // The public key: from n/e or crv/x/y, or from x5c[0] when the JWK has only a certificate
  // (the MAA /certs form, skr-protocol.md 1.6). kUnsupported for "oct".
  Result<crypto::PublicKey> ToPublicKey() const;
  Result<crypto::PrivateKey> ToPrivateKey() const;  // kInvalidArgument if there is no "d"
  // The x5c certificates, leaf first (standard base64 DER, RFC 7517 4.7); empty without x5c.
  Result<std::vector<x509::Certificate>> CertificateChain() const;

 private:
  explicit Jwk(nlohmann::json j) : json_(std::move(j)) {}
  nlohmann::json json_;
};

class Jwks {
 public:
  Jwks() = default;
  // {"keys": [...]}. Keys with a kty we do not implement are skipped (RFC 7517 section 5);
  // malformed keys and duplicate kids fail the whole set.
  static Result<Jwks> Parse(const nlohmann::json& j);
  static Result<Jwks> ParseText(std::string_view text);

  const std::vector<Jwk>& keys() const { return keys_; }
  size_t skipped_unsupported() const { return skipped_; }
  // Fails with kInvalidArgument if the kid is already present.
  Result<void> Add(Jwk key);
  // Exact, case-sensitive string match (MAA kids are opaque standard base64, skr-protocol.md 3.1).
  Result<Jwk> FindByKid(std::string_view kid) const;

  nlohmann::json ToJson() const;
  std::string ToString() const { return ToJson().dump(); }

 private:
  std::vector<Jwk> keys_;
  size_t skipped_ = 0;
};

// Decodes an "x5c" array (JWK member or JWS header, RFC 7517 4.7 / RFC 7515 4.1.6): non-empty,
// each entry standard padded base64 of a DER certificate, leaf first.
Result<std::vector<x509::Certificate>> DecodeX5c(const nlohmann::json& x5c);

// Decodes one base64url (unpadded) JWK member of `j` named `name`; errors name the member.
Result<Bytes> DecodeJwkMember(const nlohmann::json& j, std::string_view name);

}  // namespace skr::jose

#endif  // SKR_JOSE_JWK_H_
