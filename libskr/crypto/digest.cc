#include "libskr/crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "libskr/crypto/internal.h"
#include "libskr/crypto/openssl_util.h"

namespace skr::crypto {

std::string_view HashAlgName(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha1:
      return "SHA-1";
    case HashAlg::kSha256:
      return "SHA-256";
    case HashAlg::kSha384:
      return "SHA-384";
    case HashAlg::kSha512:
      return "SHA-512";
  }
  return "?";
}

size_t HashSize(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha1:
      return 20;
    case HashAlg::kSha256:
      return 32;
    case HashAlg::kSha384:
      return 48;
    case HashAlg::kSha512:
      return 64;
  }
  return 0;
}

const EVP_MD* EvpMd(HashAlg alg) {
  switch (alg) {
    case HashAlg::kSha1:
      return EVP_sha1();
    case HashAlg::kSha256:
      return EVP_sha256();
    case HashAlg::kSha384:
      return EVP_sha384();
    case HashAlg::kSha512:
      return EVP_sha512();
  }
  return nullptr;
}

Bytes Digest(HashAlg alg, ByteView data) {
  Bytes out(HashSize(alg));
  unsigned int len = 0;
  // EVP_Digest cannot fail for built-in digests short of memory exhaustion; treat that as fatal.
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EvpMd(alg), nullptr) != 1)
    std::abort();
  return out;
}

Bytes RandomBytes(size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) std::abort();
  return out;
}

}  // namespace skr::crypto
