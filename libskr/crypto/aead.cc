#include "libskr/crypto/aead.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <limits>

#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {
namespace {

Result<const EVP_CIPHER*> GcmCipher(ByteView key) {
  switch (key.size()) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    case 32:
      return EVP_aes_256_gcm();
  }
  return InvalidArgument("AES-GCM: key has " + std::to_string(key.size()) +
                         " bytes, expected 16, 24 or 32");
}

Result<void> CheckLengths(ByteView iv, ByteView data, ByteView aad) {
  // SP 800-38D 5.2.1.1: the IV has at least one bit. An empty IV would also make every message
  // share one counter block.
  if (iv.empty()) return InvalidArgument("AES-GCM: empty IV");
  if (iv.size() > kAesGcmMaxIvSize) {
    return Unsupported("AES-GCM: IV of " + std::to_string(iv.size()) +
                       " bytes; OpenSSL supports at most " + std::to_string(kAesGcmMaxIvSize));
  }
  constexpr size_t kMax = static_cast<size_t>(std::numeric_limits<int>::max());
  if (data.size() > kMax || aad.size() > kMax) {
    return InvalidArgument("AES-GCM: input longer than 2^31-1 bytes");
  }
  return Ok();
}

// Sets up key, IV length and IV, and feeds the AAD.
Result<EvpCipherCtxPtr> Init(ByteView key, ByteView iv, ByteView aad, bool encrypt) {
  SKR_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, GcmCipher(key));
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), encrypt) != 1 ||
      (!aad.empty() &&
       EVP_CipherUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1)) {
    return OpenSslError(ErrorCode::kInternal, "AES-GCM: init");
  }
  return ctx;
}

}  // namespace

Result<AesGcmSealed> AesGcmEncrypt(ByteView key, ByteView iv, ByteView plaintext, ByteView aad) {
  SKR_RETURN_IF_ERROR(CheckLengths(iv, plaintext, aad));
  SKR_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, Init(key, iv, aad, /*encrypt=*/true));
  AesGcmSealed out;
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(kAesGcmTagSize);
  int len = 0, fin = 0;
  if ((!plaintext.empty() &&
       EVP_EncryptUpdate(ctx.get(), out.ciphertext.data(), &len, plaintext.data(),
                         static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), out.ciphertext.data() + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize, out.tag.data()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES-GCM: encrypt");
  }
  return out;
}

Result<Bytes> AesGcmDecrypt(ByteView key, ByteView iv, ByteView ciphertext, ByteView aad,
                            ByteView tag) {
  if (tag.size() != kAesGcmTagSize) {
    return Malformed("AES-GCM: tag has " + std::to_string(tag.size()) + " bytes, expected " +
                     std::to_string(kAesGcmTagSize));
  }
  SKR_RETURN_IF_ERROR(CheckLengths(iv, ciphertext, aad));
  SKR_ASSIGN_OR_RETURN(EvpCipherCtxPtr ctx, Init(key, iv, aad, /*encrypt=*/false));
  Bytes plain(ciphertext.size());
  int len = 0, fin = 0;
  if (!ciphertext.empty() && EVP_DecryptUpdate(ctx.get(), plain.data(), &len, ciphertext.data(),
                                               static_cast<int>(ciphertext.size())) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES-GCM: decrypt");
  }
  Bytes tag_copy(tag.begin(), tag.end());  // the ctrl takes a non-const pointer
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, tag_copy.data()) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES-GCM: set tag");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + len, &fin) != 1) {
    DrainOpenSslErrors();
    OPENSSL_cleanse(plain.data(), plain.size());
    return VerificationFailed(
        "AES-GCM: tag does not authenticate the ciphertext and AAD (wrong key, IV or AAD, or "
        "modified data)");
  }
  return plain;
}

}  // namespace skr::crypto
