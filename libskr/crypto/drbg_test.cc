#include "libskr/crypto/drbg.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"

namespace skr::crypto {
namespace {

Bytes Hex(std::string_view h) { return *encoding::HexDecode(h); }

// NIST CAVP HMAC_DRBG.rsp (SP 800-90A), [SHA-256] [PredictionResistance = False]
// [EntropyInputLen = 256] [NonceLen = 128] [PersonalizationStringLen = 0]
// [AdditionalInputLen = 0], COUNT = 0, no reseed: instantiate, generate 1024 bits twice; the
// second output is ReturnedBits.
TEST(Drbg, NistCavpSha256NoReseedCount0) {
  Drbg drbg(HashAlg::kSha256,
            Hex("ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488"),
            Hex("659ba96c601dc69fc902940805ec0ca8"), {});
  drbg.Generate(128);
  EXPECT_EQ(drbg.Generate(128),
            Hex("e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c4"
                "43c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d"
                "3011bb19d27676c07162c8b5ccde0668961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bd"
                "aba806f48be9dcb8"));
}

// Known answers for the (seed, label) constructor, computed with an independent Python
// implementation of HMAC_DRBG (hmac/hashlib; the same code reproduces the CAVP vector above).
TEST(Drbg, SeedAndLabelKnownAnswers) {
  Bytes seed(32);
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i);
  Drbg ark(seed, "amd/milan/ark");
  EXPECT_EQ(encoding::HexEncode(ark.Generate(40)),
            "adbfb9e47716b44db33a6907fb719ce90c15c599ffa9b83aacc0251cab0784725023c5583c3bfa62");
  EXPECT_EQ(encoding::HexEncode(ark.Generate(16)), "8ba5e82e2b653f46c371965273470c32");
  Drbg ask(seed, "amd/milan/ask");
  EXPECT_EQ(encoding::HexEncode(ask.Generate(40)),
            "cd37b65229df6b9c8186220ea716ab6b6d63d2d5922661aa4e2831132ebaedf8fb5a083629180acc");
  Drbg empty(Bytes{}, "");
  EXPECT_EQ(encoding::HexEncode(empty.Generate(32)),
            "b44299907e4e42aa4fded5d6153e8bac3f35987bbe5fa08865c45339214784a2");
}

TEST(Drbg, DeterministicAndSeparatedByLabelAndSeed) {
  Bytes seed(32, 7);
  Drbg a(seed, "tpm/ek"), b(seed, "tpm/ek"), c(seed, "tpm/srk");
  Bytes other_seed = seed;
  other_seed[31] ^= 1;
  Drbg d(other_seed, "tpm/ek");
  Bytes out_a = a.Generate(64);
  EXPECT_EQ(out_a, b.Generate(64));
  EXPECT_NE(out_a, c.Generate(64));
  EXPECT_NE(out_a, d.Generate(64));
  EXPECT_NE(a.Generate(64), out_a) << "the state must advance";
  EXPECT_TRUE(a.Generate(0).empty());
}

TEST(Drbg, LargeRequestsAreChunked) {
  Drbg a(Bytes(32, 1), "x"), b(Bytes(32, 1), "x");
  Bytes big = a.Generate(Drbg::kMaxRequestBytes + 10);
  ASSERT_EQ(big.size(), Drbg::kMaxRequestBytes + 10);
  Bytes first = b.Generate(Drbg::kMaxRequestBytes);
  Bytes second = b.Generate(10);
  EXPECT_EQ(big, Concat(first, second));
}

}  // namespace
}  // namespace skr::crypto
