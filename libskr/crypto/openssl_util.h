// RAII for OpenSSL objects and OpenSSL error text. Internal to libskr's crypto and x509 code.
#ifndef SKR_CRYPTO_OPENSSL_UTIL_H_
#define SKR_CRYPTO_OPENSSL_UTIL_H_

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::crypto {

template <auto Fn>
struct OsslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OsslDeleter<BIO_free_all>>;
// Cleared on free: BIGNUMs here often hold private key material.
using BnPtr = std::unique_ptr<BIGNUM, OsslDeleter<BN_clear_free>>;
using BnCtxPtr = std::unique_ptr<BN_CTX, OsslDeleter<BN_CTX_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OsslDeleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OsslDeleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OsslDeleter<EVP_MD_CTX_free>>;
using EvpCipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, OsslDeleter<EVP_CIPHER_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, OsslDeleter<X509_free>>;

// Drains OpenSSL's error queue into one line ("" when empty).
std::string DrainOpenSslErrors();
// An Error of the given code: "<what>: <openssl errors>".
Error OpenSslError(ErrorCode code, std::string_view what);

BioPtr MemBio(ByteView data);
Bytes BioContents(BIO* bio);

// Unsigned big-endian <-> BIGNUM. BnToBytes pads on the left to `width` when width > 0.
BnPtr BytesToBn(ByteView be);
Bytes BnToBytes(const BIGNUM* bn, size_t width = 0);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_OPENSSL_UTIL_H_
