#include "libskr/crypto/drbg.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>

#include "libskr/crypto/internal.h"

namespace skr::crypto {

Drbg::Drbg(ByteView seed, std::string_view label)
    : Drbg(HashAlg::kSha256, seed, {}, AsBytes(label)) {}

Drbg::Drbg(HashAlg hash, ByteView entropy, ByteView nonce, ByteView personalization)
    : hash_(hash), key_(HashSize(hash), 0x00), value_(HashSize(hash), 0x01) {
  // SP 800-90A 10.1.2.3: Key = 0x00..., V = 0x01..., Update(seed_material).
  Update(entropy, nonce, personalization);
}

Drbg::~Drbg() {
  OPENSSL_cleanse(key_.data(), key_.size());
  OPENSSL_cleanse(value_.data(), value_.size());
}

Bytes Drbg::Hmac(ByteView key, ByteView a, ByteView b, ByteView c, ByteView d) const {
  Bytes data(a.begin(), a.end());
  data.insert(data.end(), b.begin(), b.end());
  data.insert(data.end(), c.begin(), c.end());
  data.insert(data.end(), d.begin(), d.end());
  Bytes out(HashSize(hash_));
  unsigned int len = 0;
  // HMAC over a built-in digest fails only on memory exhaustion; treat that as fatal (as
  // Digest() does) so Generate can stay infallible.
  if (HMAC(EvpMd(hash_), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr) {
    std::abort();
  }
  OPENSSL_cleanse(data.data(), data.size());
  return out;
}

void Drbg::Update(ByteView a, ByteView b, ByteView c) {
  static constexpr uint8_t kZero[1] = {0x00}, kOne[1] = {0x01};
  key_ = Hmac(key_, value_, kZero, a, Concat(b, c));
  value_ = Hmac(key_, value_);
  if (a.empty() && b.empty() && c.empty()) return;
  key_ = Hmac(key_, value_, kOne, a, Concat(b, c));
  value_ = Hmac(key_, value_);
}

Bytes Drbg::GenerateOnce(size_t n) {
  // SP 800-90A 10.1.2.5 without additional input.
  Bytes out;
  out.reserve(n + value_.size());
  while (out.size() < n) {
    value_ = Hmac(key_, value_);
    out.insert(out.end(), value_.begin(), value_.end());
  }
  out.resize(n);
  Update({}, {}, {});
  return out;
}

Bytes Drbg::Generate(size_t n) {
  if (n <= kMaxRequestBytes) return GenerateOnce(n);
  Bytes out;
  out.reserve(n);
  while (out.size() < n) {
    Bytes chunk = GenerateOnce(std::min(kMaxRequestBytes, n - out.size()));
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

}  // namespace skr::crypto
