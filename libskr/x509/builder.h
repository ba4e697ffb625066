// Deterministic X.509 v3 certificate issuance for the emulated AMD/Intel/Azure PKIs: the same
// spec and issuer key always give byte-identical DER (ECDSA signatures use RFC 6979 nonces, RSA-PSS
// a salt derived from the TBSCertificate, PKCS#1 v1.5 is deterministic by itself).
#ifndef SKR_X509_BUILDER_H_
#define SKR_X509_BUILDER_H_

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/x509/certificate.h"

namespace skr::x509 {

// One attribute of a distinguished name. `field` is "CN", "O", "OU", "L", "ST", "C" or
// "serialNumber" (any name OpenSSL knows, or a dotted OID, is accepted). Values are encoded as
// OpenSSL does by default (UTF8String; PrintableString for C and serialNumber), as in AMD's certs.
struct NameEntry {
  std::string field;
  std::string value;
};
using DistinguishedName = std::vector<NameEntry>;  // in order, one RDN each

// A non-standard extension. `value` is the DER placed inside extnValue as is (it is not wrapped
// again), so AMD's raw hwID bytes (evidence-formats.md 1.6) can be reproduced.
struct Extension {
  std::string oid;  // dotted
  bool critical = false;
  Bytes value;
};

// keyUsage bits (RFC 5280 4.2.1.3), OR-ed into CertificateSpec::key_usage.
inline constexpr uint32_t kKeyUsageDigitalSignature = 1u << 0;
inline constexpr uint32_t kKeyUsageNonRepudiation = 1u << 1;
inline constexpr uint32_t kKeyUsageKeyEncipherment = 1u << 2;
inline constexpr uint32_t kKeyUsageDataEncipherment = 1u << 3;
inline constexpr uint32_t kKeyUsageKeyAgreement = 1u << 4;
inline constexpr uint32_t kKeyUsageKeyCertSign = 1u << 5;
inline constexpr uint32_t kKeyUsageCrlSign = 1u << 6;

enum class SignatureAlgorithm {
  kEcdsaSha256,
  kEcdsaSha384,
  kRsaPkcs1Sha256,
  kRsaPkcs1Sha384,
  // RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48 and an explicit trailerField 1, encoded as in
  // AMD's ARK/ASK/VCEK certificates (evidence-formats.md 1.6).
  kRsaPssSha384,
  // The same without the trailerField (its DER DEFAULT), as in the Turin VCEK served by AMD KDS
  // (sample evidence-samples/sev/vcek_turin.der).
  kRsaPssSha384NoTrailer,
};

struct CertificateSpec {
  Bytes serial;  // big-endian magnitude; empty = 0 (AMD VCEKs have serial 0)
  DistinguishedName issuer, subject;
  std::time_t not_before = 0, not_after = 0;     // UTCTime before 2050, GeneralizedTime after
  std::optional<crypto::PublicKey> subject_key;  // required
  // Extensions are emitted in this order: basicConstraints (critical), keyUsage (critical),
  // subjectKeyIdentifier, authorityKeyIdentifier, then `extensions`.
  std::optional<bool> basic_constraints_ca;  // nullopt = no basicConstraints extension
  std::optional<int> path_len;               // only with basic_constraints_ca == true
  uint32_t key_usage = 0;                    // kKeyUsage* bits; 0 = no keyUsage extension
  // SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1); the AKI holds the same hash
  // of the issuer key's public part.
  bool subject_key_identifier = false, authority_key_identifier = false;
  std::vector<Extension> extensions;  // appended after the standard ones, in order
};

// Builds the TBSCertificate from `spec`, signs it with `issuer_key` using `alg` (the key type must
// match: EC for ECDSA, RSA otherwise) and returns the parsed certificate. InvalidArgument for an
// unusable spec (missing key, unknown name field, bad OID, path_len without CA).
Result<Certificate> SignCertificate(const CertificateSpec& spec,
                                    const crypto::PrivateKey& issuer_key, SignatureAlgorithm alg);

// The DER AlgorithmIdentifier used for `alg` (signature and tbsCertificate.signature).
Bytes SignatureAlgorithmIdentifier(SignatureAlgorithm alg);

// extnValue contents of the standard extensions, for callers that need another order than the
// builder's (AMD's ARK lists keyUsage, SKI, basicConstraints, CRL DP; its ASK SKI, AKI,
// basicConstraints, keyUsage, CRL DP): leave the spec flags unset and pass these as `extensions`
// with oid kOid*.
inline constexpr const char* kOidSubjectKeyIdentifier = "2.5.29.14";
inline constexpr const char* kOidKeyUsage = "2.5.29.15";
inline constexpr const char* kOidBasicConstraints = "2.5.29.19";
inline constexpr const char* kOidCrlDistributionPoints = "2.5.29.31";
inline constexpr const char* kOidAuthorityKeyIdentifier = "2.5.29.35";
// SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 4.2.1.2 method 1, as AMD uses).
Result<Bytes> KeyIdentifier(const crypto::PublicKey& key);
Bytes BasicConstraintsValue(bool ca, std::optional<int> path_len = std::nullopt);
Bytes KeyUsageValue(uint32_t key_usage_bits);  // DER named BIT STRING (trailing zeros dropped)
Result<Bytes> SubjectKeyIdentifierValue(const crypto::PublicKey& subject_key);
Result<Bytes> AuthorityKeyIdentifierValue(const crypto::PublicKey& issuer_key);  // [0] keyid only
// One DistributionPoint with a fullName URI (as AMD's https://kdsintf.amd.com/vcek/v1/Milan/crl).
Bytes CrlDistributionPointsValue(std::string_view uri);

}  // namespace skr::x509

#endif  // SKR_X509_BUILDER_H_
