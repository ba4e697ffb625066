#include "libskr/crypto/signature.h"

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include "libskr/crypto/internal.h"
#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {
namespace {

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OsslDeleter<ECDSA_SIG_free>>;

enum class Padding { kNone, kPkcs1, kPss };

struct RsaParams {
  Padding padding = Padding::kNone;
  HashAlg mgf1 = HashAlg::kSha256;
  int salt_len = 0;
};

Result<void> RequireType(EVP_PKEY* p, KeyType want) {
  bool is_ec = EVP_PKEY_is_a(p, "EC");
  bool ok = want == KeyType::kEc ? is_ec : EVP_PKEY_is_a(p, "RSA");
  if (!ok) {
    return InvalidArgument(std::string("expected an ") + (want == KeyType::kEc ? "EC" : "RSA") +
                           " key, got " + EVP_PKEY_get0_type_name(p));
  }
  return Ok();
}

Result<void> ApplyRsa(EVP_PKEY_CTX* pctx, const RsaParams& r) {
  if (r.padding == Padding::kNone) return Ok();
  if (r.padding == Padding::kPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
      return OpenSslError(ErrorCode::kInternal, "setting PKCS#1 padding");
    }
    return Ok();
  }
  if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EvpMd(r.mgf1)) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, r.salt_len) != 1) {
    return OpenSslError(ErrorCode::kInternal, "setting PSS parameters");
  }
  return Ok();
}

Result<void> Verify(EVP_PKEY* key, HashAlg hash, const RsaParams& r, ByteView msg, ByteView sig,
                    std::string_view what) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, EvpMd(hash), nullptr, key) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string(what) + ": init");
  }
  SKR_RETURN_IF_ERROR(ApplyRsa(pctx, r));
  int rc = EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size());
  if (rc != 1) {
    DrainOpenSslErrors();
    return VerificationFailed(std::string(what) + " signature does not verify");
  }
  return Ok();
}

Result<Bytes> Sign(EVP_PKEY* key, HashAlg hash, const RsaParams& r, ByteView msg,
                   std::string_view what) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (EVP_DigestSignInit(ctx.get(), &pctx, EvpMd(hash), nullptr, key) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string(what) + ": init");
  }
  SKR_RETURN_IF_ERROR(ApplyRsa(pctx, r));
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string(what) + ": size");
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, std::string(what) + ": sign");
  }
  sig.resize(len);
  return sig;
}

size_t EcFieldSize(EVP_PKEY* p) { return (static_cast<size_t>(EVP_PKEY_get_bits(p)) + 7) / 8; }

}  // namespace

Result<Bytes> EcdsaDerToP1363(ByteView der, size_t field_size) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != der.data() + der.size()) {
    DrainOpenSslErrors();
    return Malformed("ECDSA signature is not valid DER");
  }
  const BIGNUM *r, *s;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  if (static_cast<size_t>(BN_num_bytes(r)) > field_size ||
      static_cast<size_t>(BN_num_bytes(s)) > field_size) {
    return Malformed("ECDSA r or s longer than the field size");
  }
  return Concat(BnToBytes(r, field_size), BnToBytes(s, field_size));
}

Result<Bytes> EcdsaP1363ToDer(ByteView rs) {
  if (rs.empty() || rs.size() % 2 != 0) {
    return Malformed("ECDSA r||s has odd or zero length " + std::to_string(rs.size()));
  }
  size_t half = rs.size() / 2;
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(rs.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig.get(), r, s);
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return OpenSslError(ErrorCode::kInternal, "encoding ECDSA signature");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<void> VerifyEcdsaDer(const PublicKey& key, HashAlg hash, ByteView msg, ByteView der) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kEc));
  return Verify(key.evp(), hash, {}, msg, der, "ECDSA");
}

Result<void> VerifyEcdsaP1363(const PublicKey& key, HashAlg hash, ByteView msg, ByteView rs) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kEc));
  size_t fs = EcFieldSize(key.evp());
  if (rs.size() != 2 * fs) {
    return Malformed("ECDSA r||s signature has " + std::to_string(rs.size()) + " bytes, expected " +
                     std::to_string(2 * fs));
  }
  SKR_ASSIGN_OR_RETURN(Bytes der, EcdsaP1363ToDer(rs));
  return Verify(key.evp(), hash, {}, msg, der, "ECDSA");
}

Result<Bytes> SignEcdsaDer(const PrivateKey& key, HashAlg hash, ByteView msg) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kEc));
  return Sign(key.evp(), hash, {}, msg, "ECDSA");
}

Result<Bytes> SignEcdsaP1363(const PrivateKey& key, HashAlg hash, ByteView msg) {
  SKR_ASSIGN_OR_RETURN(Bytes der, SignEcdsaDer(key, hash, msg));
  return EcdsaDerToP1363(der, EcFieldSize(key.evp()));
}

Result<void> VerifyRsaPkcs1(const PublicKey& key, HashAlg hash, ByteView msg, ByteView sig) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kRsa));
  return Verify(key.evp(), hash, {Padding::kPkcs1}, msg, sig, "RSASSA-PKCS1-v1_5");
}

Result<Bytes> SignRsaPkcs1(const PrivateKey& key, HashAlg hash, ByteView msg) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kRsa));
  return Sign(key.evp(), hash, {Padding::kPkcs1}, msg, "RSASSA-PKCS1-v1_5");
}

Result<void> VerifyRsaPss(const PublicKey& key, HashAlg hash, HashAlg mgf1, int salt_len,
                          ByteView msg, ByteView sig) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kRsa));
  return Verify(key.evp(), hash, {Padding::kPss, mgf1, salt_len}, msg, sig, "RSASSA-PSS");
}

Result<Bytes> SignRsaPss(const PrivateKey& key, HashAlg hash, HashAlg mgf1, int salt_len,
                         ByteView msg) {
  SKR_RETURN_IF_ERROR(RequireType(key.evp(), KeyType::kRsa));
  return Sign(key.evp(), hash, {Padding::kPss, mgf1, salt_len}, msg, "RSASSA-PSS");
}

}  // namespace skr::crypto
