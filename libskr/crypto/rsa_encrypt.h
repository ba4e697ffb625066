// RSA encryption: RSAES-OAEP (Key Vault transfer-key wrapping, skr-protocol.md 4.4) and
// RSAES-PKCS1-v1_5 (MAA seals its inner key with it, skr-protocol.md 1.5).
// Decrypt functions return VerificationFailed for every failure after the RSA private operation,
// with one message that does not say which check failed (no padding oracle). A ciphertext whose
// length is not the modulus size is Malformed (its length is public).
#ifndef SKR_CRYPTO_RSA_ENCRYPT_H_
#define SKR_CRYPTO_RSA_ENCRYPT_H_

#include <optional>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::crypto {

struct OaepParams {
  HashAlg hash = HashAlg::kSha256;
  std::optional<HashAlg> mgf1_hash;  // defaults to `hash`
  Bytes label;                       // empty: no label
};

Result<Bytes> RsaOaepEncrypt(const PublicKey& key, const OaepParams& params, ByteView plaintext);
Result<Bytes> RsaOaepDecrypt(const PrivateKey& key, const OaepParams& params, ByteView ciphertext);

Result<Bytes> RsaPkcs1Encrypt(const PublicKey& key, ByteView plaintext);
Result<Bytes> RsaPkcs1Decrypt(const PrivateKey& key, ByteView ciphertext);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_RSA_ENCRYPT_H_
