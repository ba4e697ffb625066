#include "libskr/crypto/derive.h"

#include <gtest/gtest.h>

#include <chrono>

#include "libskr/crypto/openssl_util.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"

namespace skr::crypto {
namespace {

// Known answers computed independently in Python (HMAC_DRBG from hmac/hashlib, then FIPS 186-4
// B.4.2: d = c + 1 for the first c <= n - 2).
TEST(DeriveEcKey, KnownAnswers) {
  Bytes seed(32, 0x42);
  Drbg p256(seed, "test/p256");
  auto k256 = DeriveEcKey(p256, Curve::kP256);
  ASSERT_TRUE(k256.ok()) << k256.error().ToString();
  EXPECT_EQ(encoding::HexEncode(*EcPrivateScalarOf(*k256)),
            "92f225d363f55f97766956c7b187a11bba6cee94ef8f93f05a90aca481205192");
  Drbg p384(seed, "test/p384");
  auto k384 = DeriveEcKey(p384, Curve::kP384);
  ASSERT_TRUE(k384.ok()) << k384.error().ToString();
  EXPECT_EQ(
      encoding::HexEncode(*EcPrivateScalarOf(*k384)),
      "a3dfb747037fddeffbff44405b714fe29bd518443245ecc99c890a4a1cbd71e1ef8f6a6efc3cf70c45bfb6e0"
      "25151102");
}

TEST(DeriveEcKey, DeterministicPerSeedAndLabel) {
  for (Curve curve : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    Drbg a(Bytes(32, 1), "snp/vcek"), b(Bytes(32, 1), "snp/vcek"), c(Bytes(32, 1), "snp/vlek");
    auto ka = DeriveEcKey(a, curve), kb = DeriveEcKey(b, curve), kc = DeriveEcKey(c, curve);
    ASSERT_TRUE(ka.ok() && kb.ok() && kc.ok());
    EXPECT_EQ(ka->ToPkcs8Der(), kb->ToPkcs8Der());
    EXPECT_NE(ka->ToPkcs8Der(), kc->ToPkcs8Der());
    // The next key from the same stream differs.
    auto ka2 = DeriveEcKey(a, curve);
    ASSERT_TRUE(ka2.ok());
    EXPECT_NE(ka->ToPkcs8Der(), ka2->ToPkcs8Der());
    auto sig = SignEcdsaDer(*ka, HashAlg::kSha384, AsBytes("m"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(VerifyEcdsaDer(ka->public_key(), HashAlg::kSha384, AsBytes("m"), *sig).ok());
  }
}

TEST(DeriveRsaKey, DeterministicWithFipsShapedPrimes) {
  for (size_t bits : {size_t{2048}, size_t{3072}}) {
    SCOPED_TRACE(bits);
    auto start = std::chrono::steady_clock::now();
    Drbg a(Bytes(32, 5), "amd/milan/ark"), b(Bytes(32, 5), "amd/milan/ark");
    auto ka = DeriveRsaKey(a, bits);
    auto elapsed = std::chrono::steady_clock::now() - start;
    auto kb = DeriveRsaKey(b, bits);
    ASSERT_TRUE(ka.ok()) << ka.error().ToString();
    ASSERT_TRUE(kb.ok()) << kb.error().ToString();
    EXPECT_EQ(ka->ToPkcs8Der(), kb->ToPkcs8Der());
    EXPECT_EQ(ka->bits(), bits);
    auto c = RsaPrivateComponentsOf(*ka);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->e, (Bytes{0x01, 0x00, 0x01}));
    EXPECT_EQ(c->p.size(), bits / 16);
    EXPECT_EQ(c->q.size(), bits / 16);
    EXPECT_GE(c->p[0], 0xc0) << "top two bits of p";
    EXPECT_GE(c->q[0], 0xc0) << "top two bits of q";
    BnPtr p = BytesToBn(c->p), q = BytesToBn(c->q), diff(BN_new());
    BN_sub(diff.get(), p.get(), q.get());
    EXPECT_GT(BN_num_bits(diff.get()), static_cast<int>(bits / 2 - 100));
    Drbg other(Bytes(32, 5), "amd/milan/ask");
    auto kc = DeriveRsaKey(other, bits);
    ASSERT_TRUE(kc.ok());
    EXPECT_NE(ka->ToPkcs8Der(), kc->ToPkcs8Der());
    auto sig = SignRsaPkcs1(*ka, HashAlg::kSha256, AsBytes("m"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(VerifyRsaPkcs1(ka->public_key(), HashAlg::kSha256, AsBytes("m"), *sig).ok());
    std::cout << "DeriveRsaKey(" << bits
              << "): " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
              << " ms\n";
  }
}

TEST(DeriveRsaKey, RejectsBadSizes) {
  Drbg d(Bytes(32, 0), "x");
  for (size_t bits : {size_t{1024}, size_t{2047}, size_t{8193}}) {
    auto k = DeriveRsaKey(d, bits);
    ASSERT_FALSE(k.ok()) << bits;
    EXPECT_EQ(k.error().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace skr::crypto
