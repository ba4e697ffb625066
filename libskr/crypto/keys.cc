#include "libskr/crypto/keys.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "libskr/crypto/internal.h"
#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {
namespace {

std::shared_ptr<EVP_PKEY> Share(EVP_PKEY* p) { return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free); }

const char* GroupName(Curve c) { return EcGroupName(c); }

KeyType TypeOf(EVP_PKEY* p) { return EVP_PKEY_is_a(p, "EC") ? KeyType::kEc : KeyType::kRsa; }

Result<Bytes> BnParam(EVP_PKEY* p, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(p, name, &bn) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string("reading key parameter ") + name);
  }
  BnPtr owned(bn);
  return BnToBytes(bn);
}

Result<EvpPkeyPtr> FromData(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  std::unique_ptr<OSSL_PARAM, OsslDeleter<OSSL_PARAM_free>> params(OSSL_PARAM_BLD_to_param(bld));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* out = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &out, selection, params.get()) != 1) {
    return OpenSslError(ErrorCode::kMalformed, std::string("building ") + type + " key");
  }
  return EvpPkeyPtr(out);
}

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, OsslDeleter<OSSL_PARAM_BLD_free>>;

Result<void> CheckSupported(EVP_PKEY* p) {
  if (EVP_PKEY_is_a(p, "RSA")) return Ok();
  if (EVP_PKEY_is_a(p, "EC")) {
    SKR_ASSIGN_OR_RETURN([[maybe_unused]] Curve c, EcCurveOf(p));
    return Ok();
  }
  return Unsupported(std::string("key type ") + EVP_PKEY_get0_type_name(p) +
                     " (supported: RSA, EC P-256/P-384/P-521)");
}

}  // namespace

const char* EcGroupName(Curve c) {
  switch (c) {
    case Curve::kP256:
      return "prime256v1";
    case Curve::kP384:
      return "secp384r1";
    case Curve::kP521:
      return "secp521r1";
  }
  return "";
}

Result<Curve> EcCurveOf(EVP_PKEY* pkey) {
  char name[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) !=
      1) {
    return OpenSslError(ErrorCode::kInternal, "EC key without a named group");
  }
  std::string_view n(name, len);
  if (n == "prime256v1" || n == "P-256") return Curve::kP256;
  if (n == "secp384r1" || n == "P-384") return Curve::kP384;
  if (n == "secp521r1" || n == "P-521") return Curve::kP521;
  return Unsupported("EC curve " + std::string(n) + " (supported: P-256, P-384, P-521)");
}

std::string_view CurveName(Curve c) {
  switch (c) {
    case Curve::kP256:
      return "P-256";
    case Curve::kP384:
      return "P-384";
    case Curve::kP521:
      return "P-521";
  }
  return "";
}

size_t CurveFieldSize(Curve c) {
  switch (c) {
    case Curve::kP256:
      return 32;
    case Curve::kP384:
      return 48;
    case Curve::kP521:
      return 66;
  }
  return 0;
}

Result<Curve> CurveFromName(std::string_view n) {
  if (n == "P-256") return Curve::kP256;
  if (n == "P-384") return Curve::kP384;
  if (n == "P-521") return Curve::kP521;
  return Unsupported("curve '" + std::string(n) + "' (supported: P-256, P-384, P-521)");
}

PublicKey PublicKey::FromEvp(EVP_PKEY* pkey) {
  EVP_PKEY_up_ref(pkey);
  return PublicKey(Share(pkey));
}
KeyType PublicKey::type() const { return TypeOf(pkey_.get()); }
size_t PublicKey::bits() const { return static_cast<size_t>(EVP_PKEY_get_bits(pkey_.get())); }

Result<RsaPublicComponents> PublicKey::Rsa() const {
  if (type() != KeyType::kRsa) return InvalidArgument("not an RSA key");
  RsaPublicComponents c;
  SKR_ASSIGN_OR_RETURN(c.n, BnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_N));
  SKR_ASSIGN_OR_RETURN(c.e, BnParam(pkey_.get(), OSSL_PKEY_PARAM_RSA_E));
  return c;
}

Result<EcPublicComponents> PublicKey::Ec() const {
  if (type() != KeyType::kEc) return InvalidArgument("not an EC key");
  EcPublicComponents c;
  SKR_ASSIGN_OR_RETURN(c.curve, EcCurveOf(pkey_.get()));
  size_t fs = CurveFieldSize(c.curve);
  SKR_ASSIGN_OR_RETURN(Bytes x, BnParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X));
  SKR_ASSIGN_OR_RETURN(Bytes y, BnParam(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y));
  c.x = Bytes(fs - x.size(), 0);
  c.x.insert(c.x.end(), x.begin(), x.end());
  c.y = Bytes(fs - y.size(), 0);
  c.y.insert(c.y.end(), y.begin(), y.end());
  return c;
}

Bytes PublicKey::ToSpkiDer() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey_.get(), &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

std::string PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  return AsString(BioContents(bio.get()));
}

bool PublicKey::Equals(const PublicKey& other) const {
  return EVP_PKEY_eq(pkey_.get(), other.pkey_.get()) == 1;
}

PrivateKey PrivateKey::FromEvp(EVP_PKEY* pkey) {
  EVP_PKEY_up_ref(pkey);
  return PrivateKey(Share(pkey));
}
KeyType PrivateKey::type() const { return TypeOf(pkey_.get()); }
size_t PrivateKey::bits() const { return static_cast<size_t>(EVP_PKEY_get_bits(pkey_.get())); }
PublicKey PrivateKey::public_key() const {
  // Re-encode the public half so the PublicKey never carries private material.
  Bytes spki;
  {
    unsigned char* der = nullptr;
    int len = i2d_PUBKEY(pkey_.get(), &der);
    spki.assign(der, der + std::max(len, 0));
    OPENSSL_free(der);
  }
  const unsigned char* p = spki.data();
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  return PublicKey(Share(pub));
}

Bytes PrivateKey::ToPkcs8Der() const {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, OsslDeleter<PKCS8_PRIV_KEY_INFO_free>> p8(
      EVP_PKEY2PKCS8(pkey_.get()));
  unsigned char* out = nullptr;
  int n = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &out);
  Bytes result(out, out + std::max(n, 0));
  OPENSSL_free(out);
  return result;
}

std::string PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return AsString(BioContents(bio.get()));
}

Result<PublicKey> PublicKeyFromPem(std::string_view pem) {
  BioPtr bio = MemBio(AsBytes(pem));
  EvpPkeyPtr p(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!p) return OpenSslError(ErrorCode::kMalformed, "parsing PEM public key");
  SKR_RETURN_IF_ERROR(CheckSupported(p.get()));
  return PublicKey::FromEvp(p.get());
}

Result<PublicKey> PublicKeyFromSpkiDer(ByteView der) {
  const unsigned char* p = der.data();
  EvpPkeyPtr k(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!k) return OpenSslError(ErrorCode::kMalformed, "parsing SubjectPublicKeyInfo DER");
  if (p != der.data() + der.size()) return Malformed("SubjectPublicKeyInfo DER has trailing bytes");
  SKR_RETURN_IF_ERROR(CheckSupported(k.get()));
  return PublicKey::FromEvp(k.get());
}

Result<PublicKey> RsaPublicKeyFromComponents(ByteView n, ByteView e) {
  if (n.empty() || e.empty()) return Malformed("RSA public key: empty modulus or exponent");
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  BnPtr bn_n = BytesToBn(n), bn_e = BytesToBn(e);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  SKR_ASSIGN_OR_RETURN(EvpPkeyPtr k, FromData("RSA", bld.get(), EVP_PKEY_PUBLIC_KEY));
  return PublicKey::FromEvp(k.get());
}

Result<PublicKey> EcPublicKeyFromComponents(Curve curve, ByteView x, ByteView y) {
  size_t fs = CurveFieldSize(curve);
  if (x.size() > fs || y.size() > fs) {
    return Malformed("EC " + std::string(CurveName(curve)) + " coordinate longer than " +
                     std::to_string(fs) + " bytes");
  }
  Bytes point{0x04};
  point.insert(point.end(), fs - x.size(), 0);
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), fs - y.size(), 0);
  point.insert(point.end(), y.begin(), y.end());
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, GroupName(curve), 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  SKR_ASSIGN_OR_RETURN(EvpPkeyPtr k, FromData("EC", bld.get(), EVP_PKEY_PUBLIC_KEY));
  // fromdata does not always check that the point is on the curve; do it explicitly.
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr));
  if (EVP_PKEY_public_check(ctx.get()) != 1) {
    return OpenSslError(ErrorCode::kMalformed,
                        "EC " + std::string(CurveName(curve)) + " point is not on the curve");
  }
  return PublicKey::FromEvp(k.get());
}

Result<PrivateKey> PrivateKeyFromPem(std::string_view pem) {
  BioPtr bio = MemBio(AsBytes(pem));
  EvpPkeyPtr p(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!p) return OpenSslError(ErrorCode::kMalformed, "parsing PEM private key");
  SKR_RETURN_IF_ERROR(CheckSupported(p.get()));
  return PrivateKey::FromEvp(p.get());
}

Result<PrivateKey> PrivateKeyFromPkcs8Der(ByteView der) {
  const unsigned char* p = der.data();
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, OsslDeleter<PKCS8_PRIV_KEY_INFO_free>> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size())));
  if (!p8) return OpenSslError(ErrorCode::kMalformed, "parsing PKCS#8 DER");
  if (p != der.data() + der.size()) return Malformed("PKCS#8 DER has trailing bytes");
  EvpPkeyPtr k(EVP_PKCS82PKEY(p8.get()));
  if (!k) return OpenSslError(ErrorCode::kMalformed, "PKCS#8 key");
  SKR_RETURN_IF_ERROR(CheckSupported(k.get()));
  return PrivateKey::FromEvp(k.get());
}

Result<PrivateKey> RsaPrivateKeyFromComponents(const RsaPrivateComponents& c) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  std::vector<BnPtr> keep;
  auto push = [&](const char* name, const Bytes& v) {
    keep.push_back(BytesToBn(v));
    OSSL_PARAM_BLD_push_BN(bld.get(), name, keep.back().get());
  };
  push(OSSL_PKEY_PARAM_RSA_N, c.n);
  push(OSSL_PKEY_PARAM_RSA_E, c.e);
  push(OSSL_PKEY_PARAM_RSA_D, c.d);
  push(OSSL_PKEY_PARAM_RSA_FACTOR1, c.p);
  push(OSSL_PKEY_PARAM_RSA_FACTOR2, c.q);
  push(OSSL_PKEY_PARAM_RSA_EXPONENT1, c.dp);
  push(OSSL_PKEY_PARAM_RSA_EXPONENT2, c.dq);
  push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, c.qi);
  SKR_ASSIGN_OR_RETURN(EvpPkeyPtr k, FromData("RSA", bld.get(), EVP_PKEY_KEYPAIR));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, k.get(), nullptr));
  if (EVP_PKEY_pairwise_check(ctx.get()) != 1) {
    return OpenSslError(ErrorCode::kMalformed, "RSA private key components are inconsistent");
  }
  return PrivateKey::FromEvp(k.get());
}

Result<RsaPrivateComponents> RsaPrivateComponentsOf(const PrivateKey& key) {
  if (key.type() != KeyType::kRsa) return InvalidArgument("not an RSA key");
  RsaPrivateComponents c;
  EVP_PKEY* p = key.evp();
  SKR_ASSIGN_OR_RETURN(c.n, BnParam(p, OSSL_PKEY_PARAM_RSA_N));
  SKR_ASSIGN_OR_RETURN(c.e, BnParam(p, OSSL_PKEY_PARAM_RSA_E));
  SKR_ASSIGN_OR_RETURN(c.d, BnParam(p, OSSL_PKEY_PARAM_RSA_D));
  SKR_ASSIGN_OR_RETURN(c.p, BnParam(p, OSSL_PKEY_PARAM_RSA_FACTOR1));
  SKR_ASSIGN_OR_RETURN(c.q, BnParam(p, OSSL_PKEY_PARAM_RSA_FACTOR2));
  SKR_ASSIGN_OR_RETURN(c.dp, BnParam(p, OSSL_PKEY_PARAM_RSA_EXPONENT1));
  SKR_ASSIGN_OR_RETURN(c.dq, BnParam(p, OSSL_PKEY_PARAM_RSA_EXPONENT2));
  SKR_ASSIGN_OR_RETURN(c.qi, BnParam(p, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  return c;
}

Result<PrivateKey> EcPrivateKeyFromScalar(Curve curve, ByteView d) {
  if (d.empty() || d.size() > CurveFieldSize(curve)) {
    return Malformed("EC private scalar has " + std::to_string(d.size()) + " bytes");
  }
  // Derive the public point d*G so the key is complete.
  std::unique_ptr<EC_GROUP, OsslDeleter<EC_GROUP_free>> group(
      EC_GROUP_new_by_curve_name(OBJ_sn2nid(GroupName(curve))));
  BnPtr bn_d = BytesToBn(d);
  if (BN_is_zero(bn_d.get()) || BN_cmp(bn_d.get(), EC_GROUP_get0_order(group.get())) >= 0) {
    return Malformed("EC private scalar out of range for " + std::string(CurveName(curve)));
  }
  std::unique_ptr<EC_POINT, OsslDeleter<EC_POINT_free>> pub(EC_POINT_new(group.get()));
  BnCtxPtr bnctx(BN_CTX_new());
  EC_POINT_mul(group.get(), pub.get(), bn_d.get(), nullptr, nullptr, bnctx.get());
  Bytes point(1 + 2 * CurveFieldSize(curve));
  EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, point.data(),
                     point.size(), bnctx.get());
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, GroupName(curve), 0);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, bn_d.get());
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  SKR_ASSIGN_OR_RETURN(EvpPkeyPtr k, FromData("EC", bld.get(), EVP_PKEY_KEYPAIR));
  return PrivateKey::FromEvp(k.get());
}

Result<Bytes> EcPrivateScalarOf(const PrivateKey& key) {
  if (key.type() != KeyType::kEc) return InvalidArgument("not an EC key");
  SKR_ASSIGN_OR_RETURN(Curve c, EcCurveOf(key.evp()));
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key.evp(), OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1) {
    return OpenSslError(ErrorCode::kInternal, "reading EC private scalar");
  }
  BnPtr owned(bn);
  return BnToBytes(bn, CurveFieldSize(c));
}

Result<PrivateKey> GenerateRsaKey(size_t bits) {
  if (bits < 2048 || bits > 8192) return InvalidArgument("RSA key size " + std::to_string(bits));
  EvpPkeyPtr k(EVP_RSA_gen(static_cast<unsigned int>(bits)));
  if (!k) return OpenSslError(ErrorCode::kInternal, "generating RSA key");
  return PrivateKey::FromEvp(k.get());
}

Result<PrivateKey> GenerateEcKey(Curve curve) {
  EvpPkeyPtr k(EVP_EC_gen(GroupName(curve)));
  if (!k) return OpenSslError(ErrorCode::kInternal, "generating EC key");
  return PrivateKey::FromEvp(k.get());
}

}  // namespace skr::crypto
