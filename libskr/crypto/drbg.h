// Deterministic random bit generator for the emulator: HMAC_DRBG (NIST SP 800-90A Rev. 1,
// section 10.1.2), so that one seed reproduces the same keys and signatures byte-for-byte.
// Not a replacement for RandomBytes() where real randomness is wanted: there is no reseeding
// from an entropy source, by design.
#ifndef SKR_CRYPTO_DRBG_H_
#define SKR_CRYPTO_DRBG_H_

#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/crypto/digest.h"

namespace skr::crypto {

class Drbg {
 public:
  // HMAC_DRBG with SHA-256, instantiated with entropy_input = `seed`, an empty nonce and
  // personalization_string = `label` (e.g. Drbg(seed, "amd/milan/ark")): one seed gives an
  // independent stream per label.
  Drbg(ByteView seed, std::string_view label);
  // The general instantiate function (SP 800-90A 10.1.2.3): seed_material is
  // entropy || nonce || personalization. RFC 6979 nonces use this with (int2octets(x),
  // bits2octets(h1), empty).
  Drbg(HashAlg hash, ByteView entropy, ByteView nonce, ByteView personalization);
  ~Drbg();

  Drbg(const Drbg&) = delete;  // a copy would repeat the stream
  Drbg& operator=(const Drbg&) = delete;
  Drbg(Drbg&&) = default;
  Drbg& operator=(Drbg&&) = default;

  // HMAC_DRBG_Generate without additional input. Requests above the SP 800-90A limit of
  // 2^19 bits are served as consecutive generate calls of at most kMaxRequestBytes each.
  Bytes Generate(size_t n);

  static constexpr size_t kMaxRequestBytes = 65536;

 private:
  // HMAC_DRBG_Update (10.1.2.2) with provided_data = a || b || c.
  void Update(ByteView a, ByteView b, ByteView c);
  Bytes Hmac(ByteView key, ByteView a, ByteView b = {}, ByteView c = {}, ByteView d = {}) const;
  Bytes GenerateOnce(size_t n);

  HashAlg hash_;
  Bytes key_;    // K
  Bytes value_;  // V
};

}  // namespace skr::crypto

#endif  // SKR_CRYPTO_DRBG_H_
