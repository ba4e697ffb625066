// The MAA token signer: an RSA-2048 key derived from the service seed (one key per generation, so
// a key rotation is reproducible), a self-signed certificate (CN = the instance URL, as in the
// 2025-06-01 Get_Certs example, skr-protocol.md 1.6), the /certs JWKS, and RS256 JWTs with MAA's
// header {alg, jku, kid, typ} (skr-protocol.md 3.1).
#ifndef SKR_MOCK_MAA_TOKEN_H_
#define SKR_MOCK_MAA_TOKEN_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/x509/certificate.h"

namespace skr::mock_maa {

class TokenSigner {
 public:
  // Deterministic in (seed, generation, issuer): same inputs, same key, certificate and kid.
  static Result<TokenSigner> Create(ByteView seed, int generation, const std::string& issuer);
  // The same for a new issuer, keeping this signer's key (no second RSA key derivation).
  Result<TokenSigner> WithIssuer(ByteView seed, const std::string& issuer) const;

  const std::string& kid() const { return kid_; }
  const std::string& issuer() const { return issuer_; }
  const x509::Certificate& certificate() const { return cert_; }
  crypto::PublicKey public_key() const { return key_.public_key(); }
  int generation() const { return generation_; }

  // The JWK /certs serves: alg, kid, kty, use, x5c (standard base64 DER), plus n and e.
  nlohmann::json Jwk() const;
  // header {"alg":"RS256","jku":"<issuer>/certs","kid":...,"typ":"JWT"}; payload = claims.dump().
  Result<std::string> Sign(const nlohmann::json& claims) const;

 private:
  static Result<TokenSigner> Certify(crypto::PrivateKey key, ByteView seed, int generation,
                                     const std::string& issuer);
  TokenSigner(crypto::PrivateKey key, x509::Certificate cert, std::string kid, std::string issuer,
              int generation)
      : key_(std::move(key)),
        cert_(std::move(cert)),
        kid_(std::move(kid)),
        issuer_(std::move(issuer)),
        generation_(generation) {}
  crypto::PrivateKey key_;
  x509::Certificate cert_;
  std::string kid_;
  std::string issuer_;
  int generation_;
};

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_TOKEN_H_
