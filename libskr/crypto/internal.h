// Shared internals of libskr/crypto (not a public header).
#ifndef SKR_CRYPTO_INTERNAL_H_
#define SKR_CRYPTO_INTERNAL_H_

#include <openssl/evp.h>

#include "libskr/crypto/digest.h"

namespace skr::crypto {
const EVP_MD* EvpMd(HashAlg alg);
}  // namespace skr::crypto

#endif  // SKR_CRYPTO_INTERNAL_H_
