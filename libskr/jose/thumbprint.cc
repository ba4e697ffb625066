#include "libskr/jose/thumbprint.h"

#include "libskr/crypto/digest.h"
#include "libskr/encoding/encoding.h"

namespace skr::jose {

Result<std::string> JwkThumbprintInput(const Jwk& jwk) {
  nlohmann::json members;
  if (jwk.kty() == "oct") {
    members = {{"k", jwk.json()["k"]}, {"kty", "oct"}};
  } else {
    // Re-encoding the public key yields exactly the required members in canonical form.
    SKR_ASSIGN_OR_RETURN(crypto::PublicKey key, jwk.ToPublicKey());
    members = Jwk::FromPublicKey(key).json();
  }
  // nlohmann::json objects are sorted by key and dump() emits no whitespace: RFC 7638 3.3.
  return members.dump();
}

Result<std::string> JwkThumbprint(const Jwk& jwk) {
  SKR_ASSIGN_OR_RETURN(std::string input, JwkThumbprintInput(jwk));
  return encoding::Base64UrlEncode(crypto::Sha256(AsBytes(input)));
}

std::string CertificateX5t(const x509::Certificate& cert) {
  return encoding::Base64UrlEncode(cert.Fingerprint(crypto::HashAlg::kSha1));
}

std::string CertificateX5tS256(const x509::Certificate& cert) {
  return encoding::Base64UrlEncode(cert.Fingerprint(crypto::HashAlg::kSha256));
}

std::string KeyVaultCertificateKid(const x509::Certificate& cert) {
  return encoding::HexEncodeUpper(cert.Fingerprint(crypto::HashAlg::kSha1));
}

}  // namespace skr::jose
