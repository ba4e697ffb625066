// Signatures used in the SKR flow: ECDSA (DER and IEEE P1363 r||s), RSASSA-PKCS1-v1_5, RSASSA-PSS.
// Verify functions return VerificationFailed for a signature that does not verify, Malformed for
// one that cannot be a signature of that kind (e.g. wrong length), InvalidArgument for a key of the
// wrong type.
#ifndef SKR_CRYPTO_SIGNATURE_H_
#define SKR_CRYPTO_SIGNATURE_H_

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::crypto {

// ECDSA over hash(msg). The DER form must be strict DER (no BER, no trailing bytes).
Result<void> VerifyEcdsaDer(const PublicKey& key, HashAlg hash, ByteView msg, ByteView der_sig);
// P1363 form: r||s, each big-endian and exactly the curve's field size.
Result<void> VerifyEcdsaP1363(const PublicKey& key, HashAlg hash, ByteView msg, ByteView rs);
Result<Bytes> SignEcdsaDer(const PrivateKey& key, HashAlg hash, ByteView msg);
Result<Bytes> SignEcdsaP1363(const PrivateKey& key, HashAlg hash, ByteView msg);
Result<Bytes> EcdsaDerToP1363(ByteView der_sig, size_t field_size);
Result<Bytes> EcdsaP1363ToDer(ByteView rs);

Result<void> VerifyRsaPkcs1(const PublicKey& key, HashAlg hash, ByteView msg, ByteView sig);
Result<Bytes> SignRsaPkcs1(const PrivateKey& key, HashAlg hash, ByteView msg);

// RSASSA-PSS with MGF1(mgf1_hash) and an exact salt length in bytes.
Result<void> VerifyRsaPss(const PublicKey& key, HashAlg hash, HashAlg mgf1_hash, int salt_len,
                          ByteView msg, ByteView sig);
Result<Bytes> SignRsaPss(const PrivateKey& key, HashAlg hash, HashAlg mgf1_hash, int salt_len,
                         ByteView msg);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_SIGNATURE_H_
