#include "libskr/crypto/keywrap.h"

#include <openssl/evp.h>

#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {
namespace {

Result<const EVP_CIPHER*> WrapCipher(ByteView kek) {
  switch (kek.size()) {
    case 16:
      return EVP_aes_128_wrap_pad();
    case 24:
      return EVP_aes_192_wrap_pad();
    case 32:
      return EVP_aes_256_wrap_pad();
  }
  return InvalidArgument("AES key wrap: KEK has " + std::to_string(kek.size()) +
                         " bytes, expected 16, 24 or 32");
}

// Runs one wrap or unwrap; OpenSSL's wrap modes process the whole input in one update call.
Result<Bytes> Run(ByteView kek, ByteView in, bool wrap) {
  SKR_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, WrapCipher(kek));
  EvpCipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslError(ErrorCode::kInternal, "AES key wrap: context");
  // Wrap modes are refused by EVP unless the caller opts in.
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  if (EVP_CipherInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr, wrap ? 1 : 0) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES key wrap: init");
  }
  Bytes out(in.size() + 16);
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      len <= 0) {
    DrainOpenSslErrors();
    if (wrap) return Internal("AES key wrap failed");
    return VerificationFailed(
        "AES key unwrap (RFC 5649): integrity check failed (wrong KEK or modified data)");
  }
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
    return OpenSslError(ErrorCode::kInternal, "AES key wrap: final");
  }
  out.resize(static_cast<size_t>(len + fin));
  return out;
}

}  // namespace

Result<Bytes> AesKeyWrapPad(ByteView kek, ByteView key_data) {
  if (key_data.empty()) return InvalidArgument("AES key wrap: empty key data");
  return Run(kek, key_data, /*wrap=*/true);
}

Result<Bytes> AesKeyUnwrapPad(ByteView kek, ByteView wrapped) {
  // RFC 5649 section 4.2: at least two 64-bit blocks.
  if (wrapped.size() < 16 || wrapped.size() % 8 != 0) {
    return Malformed("AES key unwrap (RFC 5649): wrapped key has " +
                     std::to_string(wrapped.size()) +
                     " bytes, expected a multiple of 8 of at least 16");
  }
  return Run(kek, wrapped, /*wrap=*/false);
}

}  // namespace skr::crypto
