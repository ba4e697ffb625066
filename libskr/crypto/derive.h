// Deterministic key derivation for the emulator: the same Drbg state always yields the same key,
// so emulated AMD/Intel roots, VCEKs and TPM keys are reproducible from one seed.
#ifndef SKR_CRYPTO_DERIVE_H_
#define SKR_CRYPTO_DERIVE_H_

#include "libskr/base/result.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/keys.h"

namespace skr::crypto {

// EC private key with the scalar drawn from `drbg` by rejection sampling (FIPS 186-4 B.4.2:
// c from ceil(N/8) bytes masked to N = bitlen(order) bits, retried while c > order - 2,
// d = c + 1, so d is uniform in [1, order - 1]).
Result<PrivateKey> DeriveEcKey(Drbg& drbg, Curve curve);

// RSA private key with e = 65537 and primes drawn from `drbg`: each candidate has bits/2 bits
// (p one more for odd `bits`) with the top two bits and the low bit set (so n has exactly `bits`
// bits), passes
// BN_check_prime, and has gcd(e, p - 1) = 1; q != p and |p - q| > 2^(bits/2 - 100)
// (FIPS 186-4 B.3.3). d = e^-1 mod lcm(p - 1, q - 1). `bits` is 2048 to 8192.
// BN_check_prime draws its Miller-Rabin bases from OpenSSL's RNG, but its verdict (and so the
// key) is deterministic: primes always pass and a composite passes with probability < 2^-128.
Result<PrivateKey> DeriveRsaKey(Drbg& drbg, size_t bits);

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_DERIVE_H_
