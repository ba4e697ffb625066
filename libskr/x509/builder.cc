#include "libskr/x509/builder.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "libskr/crypto/deterministic_signature.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/openssl_util.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/der.h"

namespace skr::x509 {
namespace {

using crypto::OsslDeleter;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, OsslDeleter<ASN1_OCTET_STRING_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, OsslDeleter<X509_EXTENSION_free>>;
using AlgorPtr = std::unique_ptr<X509_ALGOR, OsslDeleter<X509_ALGOR_free>>;

// Fixed OIDs, encoded once (the inputs are constants, so Oid() cannot fail).
Bytes FixedOid(std::string_view dotted) { return *der::Oid(dotted); }

// AlgorithmIdentifier { sha384, NULL } as AMD writes it inside the PSS parameters.
Bytes Sha384AlgId() {
  std::vector<Bytes> e = {FixedOid("2.16.840.1.101.3.4.2.2"), der::Null()};
  return der::Sequence(e);
}

Bytes PssSha384Params(bool with_trailer) {
  std::vector<Bytes> mgf = {FixedOid("1.2.840.113549.1.1.8"), Sha384AlgId()};
  std::vector<Bytes> params = {
      der::Tlv(der::ContextTag(0), Sha384AlgId()),
      der::Tlv(der::ContextTag(1), der::Sequence(mgf)),
      der::Tlv(der::ContextTag(2), der::Integer(48)),
  };
  // trailerField 1 is the DEFAULT, but AMD's ARK/ASK and Milan/Genoa VCEKs spell it out.
  if (with_trailer) params.push_back(der::Tlv(der::ContextTag(3), der::Integer(1)));
  return der::Sequence(params);
}

Result<void> CheckKeyFor(SignatureAlgorithm alg, const crypto::PrivateKey& key) {
  bool want_ec = alg == SignatureAlgorithm::kEcdsaSha256 || alg == SignatureAlgorithm::kEcdsaSha384;
  bool is_ec = key.type() == crypto::KeyType::kEc;
  if (want_ec != is_ec) {
    return InvalidArgument(std::string("X.509 builder: issuer key is ") + (is_ec ? "EC" : "RSA") +
                           " but the signature algorithm needs an " + (want_ec ? "EC" : "RSA") +
                           " key");
  }
  return Ok();
}

Result<Bytes> SignTbs(SignatureAlgorithm alg, const crypto::PrivateKey& key, ByteView tbs) {
  switch (alg) {
    case SignatureAlgorithm::kEcdsaSha256:
      return crypto::SignEcdsaDerDeterministic(key, crypto::HashAlg::kSha256, tbs);
    case SignatureAlgorithm::kEcdsaSha384:
      return crypto::SignEcdsaDerDeterministic(key, crypto::HashAlg::kSha384, tbs);
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return crypto::SignRsaPkcs1(key, crypto::HashAlg::kSha256, tbs);
    case SignatureAlgorithm::kRsaPkcs1Sha384:
      return crypto::SignRsaPkcs1(key, crypto::HashAlg::kSha384, tbs);
    case SignatureAlgorithm::kRsaPssSha384:
    case SignatureAlgorithm::kRsaPssSha384NoTrailer: {
      // A salt that is a function of the TBS keeps issuance reproducible while staying unique
      // per certificate.
      Bytes salt = crypto::Sha384(Concat(AsBytes("skr-x509-pss-salt"), tbs));
      return crypto::SignRsaPssWithSalt(key, crypto::HashAlg::kSha384, crypto::HashAlg::kSha384,
                                        salt, tbs);
    }
  }
  return InvalidArgument("X.509 builder: unknown signature algorithm");
}

Result<void> SetName(X509_NAME* name, const DistinguishedName& dn, std::string_view which) {
  for (size_t i = 0; i < dn.size(); ++i) {
    const auto& e = dn[i];
    if (X509_NAME_add_entry_by_txt(name, e.field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(e.value.data()),
                                   static_cast<int>(e.value.size()), /*loc=*/-1, /*set=*/0) != 1) {
      return crypto::OpenSslError(ErrorCode::kInvalidArgument,
                                  "X.509 builder: " + std::string(which) + " entry #" +
                                      std::to_string(i + 1) + " " + e.field + "=\"" + e.value +
                                      "\" (field must be CN, O, OU, L, ST, C, serialNumber or an "
                                      "OID; C must be 2 printable characters)");
    }
  }
  return Ok();
}

Result<void> AddRawExtension(X509* x, std::string_view oid, bool critical, ByteView value) {
  ObjPtr obj(OBJ_txt2obj(std::string(oid).c_str(), /*no_name=*/1));
  OctetPtr os(ASN1_OCTET_STRING_new());
  if (!obj || !os ||
      ASN1_OCTET_STRING_set(os.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal,
                                "X.509 builder: preparing extension " + std::string(oid));
  }
  ExtPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), critical ? 1 : 0, os.get()));
  if (!ext || X509_add_ext(x, ext.get(), -1) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal,
                                "X.509 builder: adding extension " + std::string(oid));
  }
  return Ok();
}

Result<void> AddExtensions(X509* x, const CertificateSpec& spec,
                           const crypto::PrivateKey& issuer_key) {
  if (spec.path_len && spec.basic_constraints_ca != true) {
    return InvalidArgument(
        "X.509 builder: path_len is set but basic_constraints_ca is not true (RFC 5280 4.2.1.9)");
  }
  if (spec.path_len && *spec.path_len < 0) {
    return InvalidArgument("X.509 builder: path_len " + std::to_string(*spec.path_len) +
                           " is negative");
  }
  if (spec.key_usage >> 9) {
    return InvalidArgument("X.509 builder: key_usage has bits beyond decipherOnly (bit 8)");
  }
  if (spec.basic_constraints_ca) {
    SKR_RETURN_IF_ERROR(
        AddRawExtension(x, kOidBasicConstraints, true,
                        BasicConstraintsValue(*spec.basic_constraints_ca, spec.path_len)));
  }
  if (spec.key_usage != 0) {
    SKR_RETURN_IF_ERROR(AddRawExtension(x, kOidKeyUsage, true, KeyUsageValue(spec.key_usage)));
  }
  if (spec.subject_key_identifier) {
    SKR_ASSIGN_OR_RETURN(Bytes v, SubjectKeyIdentifierValue(*spec.subject_key));
    SKR_RETURN_IF_ERROR(AddRawExtension(x, kOidSubjectKeyIdentifier, false, v));
  }
  if (spec.authority_key_identifier) {
    SKR_ASSIGN_OR_RETURN(Bytes v, AuthorityKeyIdentifierValue(issuer_key.public_key()));
    SKR_RETURN_IF_ERROR(AddRawExtension(x, kOidAuthorityKeyIdentifier, false, v));
  }
  for (size_t i = 0; i < spec.extensions.size(); ++i) {
    const Extension& e = spec.extensions[i];
    auto check = der::Oid(e.oid);
    if (!check.ok()) {
      return check.error().WithContext("X.509 builder: extension #" + std::to_string(i + 1));
    }
    SKR_RETURN_IF_ERROR(AddRawExtension(x, e.oid, e.critical, e.value));
  }
  return Ok();
}

}  // namespace

Result<Bytes> KeyIdentifier(const crypto::PublicKey& key) {
  Bytes spki = key.ToSpkiDer();
  der::Reader r(spki, "SubjectPublicKeyInfo");
  SKR_ASSIGN_OR_RETURN(der::Reader inner, r.Enter(der::kSequence, "SubjectPublicKeyInfo"));
  SKR_RETURN_IF_ERROR(inner.Expect(der::kSequence, "algorithm"));
  SKR_ASSIGN_OR_RETURN(der::Element bits, inner.Expect(der::kBitString, "subjectPublicKey"));
  if (bits.content.empty() || bits.content[0] != 0) {
    return Malformed("SubjectPublicKeyInfo: subjectPublicKey has unused bits");
  }
  return crypto::Sha1(bits.content.subspan(1));
}

Bytes BasicConstraintsValue(bool ca, std::optional<int> path_len) {
  std::vector<Bytes> e;
  if (ca) e.push_back(der::Boolean(true));  // cA DEFAULT FALSE is omitted when false (DER)
  if (path_len) e.push_back(der::Integer(static_cast<uint64_t>(*path_len)));
  return der::Sequence(e);
}

Bytes KeyUsageValue(uint32_t bits) {
  // Bit n of the named BIT STRING is the (n % 8)-th most significant bit of byte n / 8.
  Bytes b;
  for (int n = 0; n < 32; ++n) {
    if (!(bits & (1u << n))) continue;
    if (b.size() <= static_cast<size_t>(n / 8)) b.resize(n / 8 + 1, 0);
    b[n / 8] |= static_cast<uint8_t>(0x80 >> (n % 8));
  }
  uint8_t unused = 0;
  if (!b.empty()) {
    while (!(b.back() & (1u << unused))) ++unused;
  }
  Bytes content{unused};
  content.insert(content.end(), b.begin(), b.end());
  return der::Tlv(der::kBitString, content);
}

Result<Bytes> SubjectKeyIdentifierValue(const crypto::PublicKey& subject_key) {
  SKR_ASSIGN_OR_RETURN(Bytes id, KeyIdentifier(subject_key));
  return der::OctetString(id);
}

Result<Bytes> AuthorityKeyIdentifierValue(const crypto::PublicKey& issuer_key) {
  SKR_ASSIGN_OR_RETURN(Bytes id, KeyIdentifier(issuer_key));
  // keyIdentifier [0] IMPLICIT OCTET STRING.
  return der::Tlv(der::kSequence, der::Tlv(0x80, id));
}

Bytes CrlDistributionPointsValue(std::string_view uri) {
  // CRLDistributionPoints ::= SEQUENCE OF DistributionPoint { distributionPoint [0]
  // { fullName [0] IMPLICIT GeneralNames { uniformResourceIdentifier [6] IMPLICIT IA5String } } }
  Bytes general_name = der::Tlv(0x86, AsBytes(uri));
  Bytes full_name = der::Tlv(der::ContextTag(0), general_name);
  Bytes dp_name = der::Tlv(der::ContextTag(0), full_name);
  return der::Tlv(der::kSequence, der::Tlv(der::kSequence, dp_name));
}

Bytes SignatureAlgorithmIdentifier(SignatureAlgorithm alg) {
  std::vector<Bytes> e;
  switch (alg) {
    case SignatureAlgorithm::kEcdsaSha256:
      e = {FixedOid("1.2.840.10045.4.3.2")};
      break;
    case SignatureAlgorithm::kEcdsaSha384:
      e = {FixedOid("1.2.840.10045.4.3.3")};
      break;
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      e = {FixedOid("1.2.840.113549.1.1.11"), der::Null()};
      break;
    case SignatureAlgorithm::kRsaPkcs1Sha384:
      e = {FixedOid("1.2.840.113549.1.1.12"), der::Null()};
      break;
    case SignatureAlgorithm::kRsaPssSha384:
      e = {FixedOid("1.2.840.113549.1.1.10"), PssSha384Params(true)};
      break;
    case SignatureAlgorithm::kRsaPssSha384NoTrailer:
      e = {FixedOid("1.2.840.113549.1.1.10"), PssSha384Params(false)};
      break;
  }
  return der::Sequence(e);
}

Result<Certificate> SignCertificate(const CertificateSpec& spec,
                                    const crypto::PrivateKey& issuer_key, SignatureAlgorithm alg) {
  if (!spec.subject_key) return InvalidArgument("X.509 builder: spec.subject_key is not set");
  if (spec.subject.empty()) return InvalidArgument("X.509 builder: spec.subject is empty");
  if (spec.issuer.empty()) return InvalidArgument("X.509 builder: spec.issuer is empty");
  if (spec.not_after < spec.not_before) {
    return InvalidArgument("X.509 builder: not_after " + FormatTime(spec.not_after) +
                           " is before not_before " + FormatTime(spec.not_before));
  }
  SKR_RETURN_IF_ERROR(CheckKeyFor(alg, issuer_key));

  crypto::X509Ptr x(X509_new());
  if (!x) return crypto::OpenSslError(ErrorCode::kInternal, "X.509 builder: X509_new");
  if (X509_set_version(x.get(), X509_VERSION_3) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal, "X.509 builder: setting version 3");
  }
  crypto::BnPtr serial_bn = crypto::BytesToBn(spec.serial);
  std::unique_ptr<ASN1_INTEGER, OsslDeleter<ASN1_INTEGER_free>> serial(
      serial_bn ? BN_to_ASN1_INTEGER(serial_bn.get(), nullptr) : nullptr);
  if (!serial || X509_set_serialNumber(x.get(), serial.get()) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal, "X.509 builder: setting the serial number");
  }
  SKR_RETURN_IF_ERROR(SetName(X509_get_issuer_name(x.get()), spec.issuer, "issuer"));
  SKR_RETURN_IF_ERROR(SetName(X509_get_subject_name(x.get()), spec.subject, "subject"));
  if (!ASN1_TIME_set(X509_getm_notBefore(x.get()), spec.not_before) ||
      !ASN1_TIME_set(X509_getm_notAfter(x.get()), spec.not_after)) {
    return crypto::OpenSslError(ErrorCode::kInvalidArgument,
                                "X.509 builder: validity " + FormatTime(spec.not_before) + " .. " +
                                    FormatTime(spec.not_after));
  }
  if (X509_set_pubkey(x.get(), spec.subject_key->evp()) != 1) {
    return crypto::OpenSslError(ErrorCode::kInvalidArgument,
                                "X.509 builder: setting the subject public key");
  }
  SKR_RETURN_IF_ERROR(AddExtensions(x.get(), spec, issuer_key));

  // tbsCertificate.signature must equal the outer signatureAlgorithm (RFC 5280 4.1.2.3). OpenSSL
  // only sets it while signing with its own signers, so it is copied into place here.
  Bytes alg_id = SignatureAlgorithmIdentifier(alg);
  const unsigned char* ap = alg_id.data();
  AlgorPtr algor(d2i_X509_ALGOR(nullptr, &ap, static_cast<long>(alg_id.size())));
  auto* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(x.get()));
  if (!algor || X509_ALGOR_copy(tbs_alg, algor.get()) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal,
                                "X.509 builder: setting tbsCertificate.signature");
  }

  unsigned char* tbs_der = nullptr;
  int tbs_len = i2d_re_X509_tbs(x.get(), &tbs_der);
  if (tbs_len <= 0) {
    return crypto::OpenSslError(ErrorCode::kInternal, "X.509 builder: encoding TBSCertificate");
  }
  Bytes tbs(tbs_der, tbs_der + tbs_len);
  OPENSSL_free(tbs_der);

  auto sig = SignTbs(alg, issuer_key, tbs);
  if (!sig.ok()) return sig.error().WithContext("X.509 builder: signing TBSCertificate");
  std::vector<Bytes> outer = {tbs, alg_id, der::BitString(*sig)};
  Bytes cert_der = der::Sequence(outer);
  auto cert = CertificateFromDer(cert_der);
  if (!cert.ok()) return cert.error().WithContext("X.509 builder: re-parsing the certificate");
  return cert;
}

}  // namespace skr::x509
