#include "libskr/crypto/rsa_encrypt.h"

#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "libskr/crypto/internal.h"
#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {
namespace {

Result<void> RequireRsa(EVP_PKEY* p) {
  if (!EVP_PKEY_is_a(p, "RSA")) {
    return InvalidArgument(std::string("RSA encryption needs an RSA key, got ") +
                           EVP_PKEY_get0_type_name(p));
  }
  return Ok();
}

// Sets padding (and OAEP parameters) on an initialised encrypt/decrypt context.
Result<void> SetPadding(EVP_PKEY_CTX* ctx, const OaepParams* oaep) {
  if (oaep == nullptr) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1) {
      return OpenSslError(ErrorCode::kInternal, "setting RSAES-PKCS1-v1_5 padding");
    }
    return Ok();
  }
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EvpMd(oaep->hash)) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EvpMd(oaep->mgf1_hash.value_or(oaep->hash))) != 1) {
    return OpenSslError(ErrorCode::kInternal, "setting RSA-OAEP parameters");
  }
  if (!oaep->label.empty()) {
    // OpenSSL takes ownership of the label buffer.
    void* label = OPENSSL_memdup(oaep->label.data(), oaep->label.size());
    if (label == nullptr ||
        EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, static_cast<int>(oaep->label.size())) != 1) {
      OPENSSL_free(label);
      return OpenSslError(ErrorCode::kInternal, "setting RSA-OAEP label");
    }
  }
  return Ok();
}

std::string_view SchemeName(const OaepParams* oaep) {
  return oaep ? "RSA-OAEP" : "RSAES-PKCS1-v1_5";
}

Result<Bytes> Encrypt(const PublicKey& key, const OaepParams* oaep, ByteView plaintext) {
  SKR_RETURN_IF_ERROR(RequireRsa(key.evp()));
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.evp(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "RSA encrypt: init");
  }
  SKR_RETURN_IF_ERROR(SetPadding(ctx.get(), oaep));
  size_t len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "RSA encrypt: size");
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    // The only input-dependent failure is a plaintext too long for the modulus and padding.
    return OpenSslError(ErrorCode::kInvalidArgument,
                        std::string(SchemeName(oaep)) + " encrypt: plaintext of " +
                            std::to_string(plaintext.size()) + " bytes does not fit a " +
                            std::to_string(key.bits()) + "-bit key");
  }
  out.resize(len);
  return out;
}

Result<Bytes> Decrypt(const PrivateKey& key, const OaepParams* oaep, ByteView ciphertext) {
  SKR_RETURN_IF_ERROR(RequireRsa(key.evp()));
  size_t mod_bytes = (key.bits() + 7) / 8;
  if (ciphertext.size() != mod_bytes) {
    return Malformed(std::string(SchemeName(oaep)) + ": ciphertext has " +
                     std::to_string(ciphertext.size()) + " bytes, expected the modulus size " +
                     std::to_string(mod_bytes));
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key.evp(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "RSA decrypt: init");
  }
  SKR_RETURN_IF_ERROR(SetPadding(ctx.get(), oaep));
  Bytes out(mod_bytes);
  size_t len = out.size();
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size()) != 1) {
    // Drop OpenSSL's reason: it would tell which padding check failed.
    DrainOpenSslErrors();
    OPENSSL_cleanse(out.data(), out.size());
    return VerificationFailed(std::string(SchemeName(oaep)) +
                              ": decryption failed (wrong key or parameters, or modified data)");
  }
  out.resize(len);
  return out;
}

}  // namespace

Result<Bytes> RsaOaepEncrypt(const PublicKey& key, const OaepParams& params, ByteView plaintext) {
  return Encrypt(key, &params, plaintext);
}
Result<Bytes> RsaOaepDecrypt(const PrivateKey& key, const OaepParams& params, ByteView ciphertext) {
  return Decrypt(key, &params, ciphertext);
}
Result<Bytes> RsaPkcs1Encrypt(const PublicKey& key, ByteView plaintext) {
  return Encrypt(key, nullptr, plaintext);
}
Result<Bytes> RsaPkcs1Decrypt(const PrivateKey& key, ByteView ciphertext) {
  return Decrypt(key, nullptr, ciphertext);
}

}  // namespace skr::crypto
