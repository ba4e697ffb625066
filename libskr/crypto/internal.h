// Shared internals of libskr/crypto (not a public header).
#ifndef SKR_CRYPTO_INTERNAL_H_
#define SKR_CRYPTO_INTERNAL_H_

#include <openssl/evp.h>

#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::crypto {
const EVP_MD* EvpMd(HashAlg alg);
const char* EcGroupName(Curve c);  // OpenSSL group name, e.g. "secp384r1"
Result<Curve> EcCurveOf(EVP_PKEY* pkey);
}  // namespace skr::crypto

#endif  // SKR_CRYPTO_INTERNAL_H_
