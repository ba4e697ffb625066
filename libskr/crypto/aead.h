// AES-GCM (NIST SP 800-38D) with a 16-byte tag, as used for the sealed AzureGuest response
// (skr-protocol.md 1.5).
#ifndef SKR_CRYPTO_AEAD_H_
#define SKR_CRYPTO_AEAD_H_

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::crypto {

inline constexpr size_t kAesGcmTagSize = 16;
inline constexpr size_t kAesGcmMaxIvSize = 128;  // OpenSSL 3 provider limit (1024 bits)

struct AesGcmSealed {
  Bytes ciphertext;  // same length as the plaintext
  Bytes tag;         // kAesGcmTagSize bytes
};

// Key of 16, 24 or 32 bytes; IV of 1 to kAesGcmMaxIvSize bytes (12 is the recommended size;
// other lengths are hashed by GHASH). InvalidArgument for a bad key size or an empty IV,
// Unsupported for a longer IV.
Result<AesGcmSealed> AesGcmEncrypt(ByteView key, ByteView iv, ByteView plaintext, ByteView aad);

// As above; Malformed for a tag that is not kAesGcmTagSize bytes (truncated tags are not
// accepted), VerificationFailed if the tag does not authenticate ciphertext and AAD. No
// plaintext is returned on failure.
Result<Bytes> AesGcmDecrypt(ByteView key, ByteView iv, ByteView ciphertext, ByteView aad,
                            ByteView tag);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_AEAD_H_
