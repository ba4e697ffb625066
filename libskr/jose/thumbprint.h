// Key and certificate thumbprints used in JOSE headers and Key Vault responses.
#ifndef SKR_JOSE_THUMBPRINT_H_
#define SKR_JOSE_THUMBPRINT_H_

#include <string>

#include "libskr/base/result.h"
#include "libskr/jose/jwk.h"
#include "libskr/x509/certificate.h"

namespace skr::jose {

// RFC 7638 JWK thumbprint: base64url(SHA-256(required members, sorted, no whitespace)).
// Integer members are hashed in their minimal form, so Key Vault's "AAEAAQ" exponent gives the
// same thumbprint as "AQAB". For an x5c-only JWK the members come from x5c[0]'s key.
Result<std::string> JwkThumbprint(const Jwk& jwk);
// The JSON text that JwkThumbprint hashes (RFC 7638 section 3.2), for diagnostics.
Result<std::string> JwkThumbprintInput(const Jwk& jwk);

// "x5t": base64url(SHA-1(DER)) (RFC 7515 4.1.7).
std::string CertificateX5t(const x509::Certificate& cert);
// "x5t#S256": base64url(SHA-256(DER)) (RFC 7515 4.1.8).
std::string CertificateX5tS256(const x509::Certificate& cert);
// Key Vault's release-JWS header "kid": upper-case hex SHA-1 of the leaf DER (skr-protocol.md 4.4).
std::string KeyVaultCertificateKid(const x509::Certificate& cert);

}  // namespace skr::jose

#endif  // SKR_JOSE_THUMBPRINT_H_
