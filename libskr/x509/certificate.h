// X.509 certificates: parsing, inspection, extension lookup, and chain verification at a chosen
// time.
#ifndef SKR_X509_CERTIFICATE_H_
#define SKR_X509_CERTIFICATE_H_

#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

typedef struct x509_st X509;

namespace skr::x509 {

class Certificate {
 public:
  static Certificate FromX509(X509* cert);  // takes a reference

  X509* x509() const { return cert_.get(); }
  Bytes ToDer() const;
  std::string ToPem() const;

  crypto::PublicKey public_key() const;
  std::string subject() const;  // one-line RFC 2253 form
  std::string issuer() const;
  std::string subject_cn() const;  // "" when absent
  std::string issuer_cn() const;
  Bytes serial() const;  // big-endian magnitude
  std::time_t not_before() const;
  std::time_t not_after() const;
  bool is_self_issued() const;
  Bytes Fingerprint(crypto::HashAlg alg) const;  // digest of the DER

  // The contents of extnValue (what is inside the OCTET STRING) for the extension with this dotted
  // OID.
  std::optional<Bytes> ExtensionValue(std::string_view dotted_oid) const;

 private:
  explicit Certificate(std::shared_ptr<X509> c) : cert_(std::move(c)) {}
  std::shared_ptr<X509> cert_;
};

Result<Certificate> CertificateFromDer(ByteView der);
// Every certificate in a PEM bundle, in order. Fails if there is none or one does not parse.
// Tolerates a trailing NUL and whitespace (as found in TD quote PCK chains,
// evidence-formats.md 3.4).
Result<std::vector<Certificate>> CertificatesFromPem(std::string_view pem);
std::string CertificatesToPem(std::span<const Certificate> certs);

// Verifies that `leaf` chains through `intermediates` to one of `roots` (trust anchors, pinned by
// the caller) with every certificate valid at `at`. RSA-PSS signatures (AMD ARK/ASK) are supported.
// The error names the failing certificate (depth and subject) and OpenSSL's reason.
Result<void> VerifyChain(const Certificate& leaf, std::span<const Certificate> intermediates,
                         std::span<const Certificate> roots, std::time_t at);

// ASN.1 time text "YYYY-MM-DDTHH:MM:SSZ" of a time_t, for messages.
std::string FormatTime(std::time_t t);

}  // namespace skr::x509

#endif  // SKR_X509_CERTIFICATE_H_
