// Deterministic signing for the emulator (same key and message -> same signature bytes):
// ECDSA with RFC 6979 nonces, and RSASSA-PSS with a caller-chosen salt so AMD-style ARK/ASK
// certificates (RSASSA-PSS SHA-384, salt 48) can be reproduced byte-for-byte.
#ifndef SKR_CRYPTO_DETERMINISTIC_SIGNATURE_H_
#define SKR_CRYPTO_DETERMINISTIC_SIGNATURE_H_

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::crypto {

// The RFC 6979 section 3.2 nonce k for (key, hash(msg)), big-endian, padded to the order size:
// the first candidate in [1, n-1]. Exposed for known-answer tests.
Result<Bytes> Rfc6979Nonce(const PrivateKey& key, HashAlg hash, ByteView msg);

// ECDSA over hash(msg) with the RFC 6979 nonce (r = x(kG) mod n, s = k^-1 (e + r d) mod n; a
// zero r or s moves on to the next RFC 6979 candidate). s is not normalised to low-s, so the
// output matches RFC 6979's appendix. Each signature is verified before it is returned.
Result<Bytes> SignEcdsaDerDeterministic(const PrivateKey& key, HashAlg hash, ByteView msg);
Result<Bytes> SignEcdsaP1363Deterministic(const PrivateKey& key, HashAlg hash, ByteView msg);

// RSASSA-PSS (RFC 8017 8.1.1) with the given salt: EMSA-PSS-ENCODE (9.1.1) then the raw RSA
// private operation. The salt length is salt.size(); InvalidArgument if the encoding does not fit
// the modulus. The signature is verified with VerifyRsaPss before it is returned.
Result<Bytes> SignRsaPssWithSalt(const PrivateKey& key, HashAlg hash, HashAlg mgf1_hash,
                                 ByteView salt, ByteView msg);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_DETERMINISTIC_SIGNATURE_H_
