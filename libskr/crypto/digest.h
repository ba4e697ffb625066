// Message digests.
#ifndef SKR_CRYPTO_DIGEST_H_
#define SKR_CRYPTO_DIGEST_H_

#include <string_view>

#include "libskr/base/bytes.h"

namespace skr::crypto {

enum class HashAlg { kSha1, kSha256, kSha384, kSha512 };

std::string_view HashAlgName(HashAlg alg);  // "SHA-256"
size_t HashSize(HashAlg alg);               // bytes
Bytes Digest(HashAlg alg, ByteView data);
inline Bytes Sha1(ByteView d) { return Digest(HashAlg::kSha1, d); }
inline Bytes Sha256(ByteView d) { return Digest(HashAlg::kSha256, d); }
inline Bytes Sha384(ByteView d) { return Digest(HashAlg::kSha384, d); }
inline Bytes Sha512(ByteView d) { return Digest(HashAlg::kSha512, d); }

// Cryptographically secure random bytes from OpenSSL's DRBG.
Bytes RandomBytes(size_t n);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_DIGEST_H_
