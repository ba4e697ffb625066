#include "mock-maa/token.h"

#include "libskr/crypto/derive.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jwk.h"
#include "libskr/jose/jws.h"
#include "libskr/x509/builder.h"

namespace skr::mock_maa {

namespace {
// 2020-01-01T00:00:00Z .. 2050-01-01T00:00:00Z: fixed so the certificate does not depend on the
// clock (the service clock is settable, and tokens may be issued at any emulated time).
constexpr std::time_t kCertNotBefore = 1577836800;
constexpr std::time_t kCertNotAfter = 2524608000;
}  // namespace

Result<TokenSigner> TokenSigner::Create(ByteView seed, int generation, const std::string& issuer) {
  std::string label = "mock-maa/token-signing/" + std::to_string(generation);
  crypto::Drbg drbg(seed, label);
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::DeriveRsaKey(drbg, 2048));
  return Certify(std::move(key), seed, generation, issuer);
}

Result<TokenSigner> TokenSigner::WithIssuer(ByteView seed, const std::string& issuer) const {
  return Certify(key_, seed, generation_, issuer);
}

Result<TokenSigner> TokenSigner::Certify(crypto::PrivateKey key, ByteView seed, int generation,
                                         const std::string& issuer) {
  crypto::Drbg drbg(seed,
                    "mock-maa/token-signing-cert/" + std::to_string(generation) + "/" + issuer);
  x509::CertificateSpec spec;
  spec.serial = drbg.Generate(16);
  spec.serial[0] &= 0x7F;
  spec.serial[0] |= 0x01;
  spec.issuer = {{"CN", issuer}};
  spec.subject = spec.issuer;
  spec.not_before = kCertNotBefore;
  spec.not_after = kCertNotAfter;
  spec.subject_key = key.public_key();
  spec.basic_constraints_ca = false;
  spec.key_usage = x509::kKeyUsageDigitalSignature;
  spec.subject_key_identifier = true;
  SKR_ASSIGN_OR_RETURN(x509::Certificate cert,
                       x509::SignCertificate(spec, key, x509::SignatureAlgorithm::kRsaPkcs1Sha256));
  // MAA kids are 32 bytes in standard base64 (skr-protocol.md 3.1); what MAA hashes is
  // UNCONFIRMED (8), the mock uses SHA-256 of the certificate DER.
  std::string kid = encoding::Base64Encode(cert.Fingerprint(crypto::HashAlg::kSha256));
  return TokenSigner(std::move(key), std::move(cert), std::move(kid), issuer, generation);
}

nlohmann::json TokenSigner::Jwk() const {
  nlohmann::json j = jose::Jwk::FromPublicKey(key_.public_key()).json();
  j["alg"] = "RS256";
  j["kid"] = kid_;
  j["use"] = "sig";
  j["x5c"] = nlohmann::json::array({encoding::Base64Encode(cert_.ToDer())});
  return j;
}

Result<std::string> TokenSigner::Sign(const nlohmann::json& claims) const {
  nlohmann::json header = {
      {"alg", "RS256"}, {"jku", issuer_ + "/certs"}, {"kid", kid_}, {"typ", "JWT"}};
  return jose::SignCompact(header, AsBytes(claims.dump()), jose::JwsAlg::kRs256, key_);
}

}  // namespace skr::mock_maa
