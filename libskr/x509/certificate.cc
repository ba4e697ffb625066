#include "libskr/x509/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cctype>

#include "libskr/crypto/openssl_util.h"

namespace skr::x509 {
namespace {

using crypto::BioPtr;
using crypto::OsslDeleter;
using StorePtr = std::unique_ptr<X509_STORE, OsslDeleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, OsslDeleter<X509_STORE_CTX_free>>;
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};
using StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;
using ObjPtr = std::unique_ptr<ASN1_OBJECT, OsslDeleter<ASN1_OBJECT_free>>;

std::string NameOneLine(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return AsString(crypto::BioContents(bio.get()));
}

std::string CommonName(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

std::time_t AsnTime(const ASN1_TIME* t) {
  struct tm tm = {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return timegm(&tm);
}

}  // namespace

Certificate Certificate::FromX509(X509* cert) {
  X509_up_ref(cert);
  return Certificate(std::shared_ptr<X509>(cert, X509_free));
}

Bytes Certificate::ToDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert_.get(), &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

std::string Certificate::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert_.get());
  return AsString(crypto::BioContents(bio.get()));
}

crypto::PublicKey Certificate::public_key() const {
  return crypto::PublicKey::FromEvp(X509_get0_pubkey(cert_.get()));
}
std::string Certificate::subject() const { return NameOneLine(X509_get_subject_name(cert_.get())); }
std::string Certificate::issuer() const { return NameOneLine(X509_get_issuer_name(cert_.get())); }
std::string Certificate::subject_cn() const {
  return CommonName(X509_get_subject_name(cert_.get()));
}
std::string Certificate::issuer_cn() const { return CommonName(X509_get_issuer_name(cert_.get())); }

Bytes Certificate::serial() const {
  crypto::BnPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  return crypto::BnToBytes(bn.get());
}

std::time_t Certificate::not_before() const { return AsnTime(X509_get0_notBefore(cert_.get())); }
std::time_t Certificate::not_after() const { return AsnTime(X509_get0_notAfter(cert_.get())); }

bool Certificate::is_self_issued() const {
  return X509_NAME_cmp(X509_get_subject_name(cert_.get()), X509_get_issuer_name(cert_.get())) == 0;
}

Bytes Certificate::Fingerprint(crypto::HashAlg alg) const { return crypto::Digest(alg, ToDer()); }

std::optional<Bytes> Certificate::ExtensionValue(std::string_view dotted_oid) const {
  ObjPtr obj(OBJ_txt2obj(std::string(dotted_oid).c_str(), /*no_name=*/1));
  if (!obj) return std::nullopt;
  int idx = X509_get_ext_by_OBJ(cert_.get(), obj.get(), -1);
  if (idx < 0) return std::nullopt;
  const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(X509_get_ext(cert_.get(), idx));
  const unsigned char* p = ASN1_STRING_get0_data(v);
  return Bytes(p, p + ASN1_STRING_length(v));
}

Result<Certificate> CertificateFromDer(ByteView der) {
  const unsigned char* p = der.data();
  crypto::X509Ptr c(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!c) return crypto::OpenSslError(ErrorCode::kMalformed, "parsing X.509 DER certificate");
  if (p != der.data() + der.size()) {
    return Malformed("X.509 DER certificate has " + std::to_string(der.data() + der.size() - p) +
                     " trailing bytes");
  }
  return Certificate::FromX509(c.get());
}

Result<std::vector<Certificate>> CertificatesFromPem(std::string_view pem) {
  while (!pem.empty() &&
         (pem.back() == '\0' || std::isspace(static_cast<unsigned char>(pem.back())))) {
    pem.remove_suffix(1);
  }
  std::vector<Certificate> out;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string_view::npos) {
    BioPtr bio = crypto::MemBio(AsBytes(pem.substr(pos)));
    crypto::X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!c) {
      return crypto::OpenSslError(ErrorCode::kMalformed,
                                  "parsing PEM certificate #" + std::to_string(out.size() + 1));
    }
    out.push_back(Certificate::FromX509(c.get()));
    pos += kBegin.size();
  }
  if (out.empty()) return Malformed("no PEM certificate (-----BEGIN CERTIFICATE-----) found");
  return out;
}

std::string CertificatesToPem(std::span<const Certificate> certs) {
  std::string out;
  for (const auto& c : certs) out += c.ToPem();
  return out;
}

std::string FormatTime(std::time_t t) {
  struct tm tm = {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<void> VerifyChain(const Certificate& leaf, std::span<const Certificate> intermediates,
                         std::span<const Certificate> roots, std::time_t at) {
  if (roots.empty()) return InvalidArgument("no trust anchors given");
  StorePtr store(X509_STORE_new());
  for (const auto& r : roots) X509_STORE_add_cert(store.get(), r.x509());
  StackPtr chain(sk_X509_new_null());
  for (const auto& c : intermediates) sk_X509_push(chain.get(), c.x509());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.x509(), chain.get()) != 1) {
    return crypto::OpenSslError(ErrorCode::kInternal, "initialising chain verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, at);
  // Anchors are the caller's pinned roots only; never fall back to a partial chain.
  X509_VERIFY_PARAM_clear_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(ctx.get()) == 1) return Ok();
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
  std::string who = bad ? NameOneLine(X509_get_subject_name(bad)) : "?";
  crypto::DrainOpenSslErrors();
  return VerificationFailed(
      "certificate chain: " + std::string(X509_verify_cert_error_string(err)) + " at depth " +
      std::to_string(depth) + " (subject " + who + "), checked at " + FormatTime(at));
}

}  // namespace skr::x509
