#include "libskr/crypto/keywrap.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/testing/wycheproof.h"

namespace skr::crypto {
namespace {

Bytes Hex(std::string_view h) { return *encoding::HexDecode(h); }

const Bytes kRfc5649Kek = Hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");

// RFC 5649 section 6, first example: 20 bytes of key data under a 192-bit KEK.
TEST(AesKeyWrapPad, Rfc5649TwentyByteKey) {
  Bytes key = Hex("c37b7e6492584340bed12207808941155068f738");
  Bytes wrapped = Hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
  auto w = AesKeyWrapPad(kRfc5649Kek, key);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(*w, wrapped);
  auto u = AesKeyUnwrapPad(kRfc5649Kek, wrapped);
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(*u, key);
}

// RFC 5649 section 6, second example: 7 bytes, a single AES block (section 4.1 special case).
TEST(AesKeyWrapPad, Rfc5649SevenByteKey) {
  Bytes key = Hex("466f7250617369");
  Bytes wrapped = Hex("afbeb0f07dfbf5419200f2ccb50bb24f");
  auto w = AesKeyWrapPad(kRfc5649Kek, key);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(*w, wrapped);
  auto u = AesKeyUnwrapPad(kRfc5649Kek, wrapped);
  ASSERT_TRUE(u.ok()) << u.error().ToString();
  EXPECT_EQ(*u, key);
}

TEST(AesKeyWrapPad, FlippedBitInEachByteFailsIntegrity) {
  Bytes wrapped = Hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
  for (size_t i = 0; i < wrapped.size(); ++i) {
    Bytes bad = wrapped;
    bad[i] ^= 0x01;
    auto u = AesKeyUnwrapPad(kRfc5649Kek, bad);
    ASSERT_FALSE(u.ok()) << "byte " << i;
    EXPECT_EQ(u.error().code(), ErrorCode::kVerificationFailed) << "byte " << i;
  }
  Bytes other_kek = kRfc5649Kek;
  other_kek[0] ^= 0x80;
  auto u = AesKeyUnwrapPad(other_kek, wrapped);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().code(), ErrorCode::kVerificationFailed);
}

TEST(AesKeyWrapPad, BadLengthsAreMalformedOrInvalid) {
  Bytes wrapped = Hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
  for (size_t len : {size_t{0}, size_t{8}, size_t{15}, size_t{17}, size_t{31}}) {
    auto u = AesKeyUnwrapPad(kRfc5649Kek, ByteView(wrapped).first(len));
    ASSERT_FALSE(u.ok()) << len;
    EXPECT_EQ(u.error().code(), ErrorCode::kMalformed) << len;
    EXPECT_NE(u.error().message().find(std::to_string(len) + " bytes"), std::string::npos)
        << u.error().message();
  }
  auto empty = AesKeyWrapPad(kRfc5649Kek, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  auto kek = AesKeyWrapPad(ByteView(kRfc5649Kek).first(20), Hex("00"));
  ASSERT_FALSE(kek.ok());
  EXPECT_EQ(kek.error().code(), ErrorCode::kInvalidArgument);
}

TEST(AesKeyWrapPad, RoundTripsEveryLengthAndKekSize) {
  for (size_t kek_len : {16, 24, 32}) {
    Bytes kek(kek_len, 0x42);
    for (size_t n = 1; n <= 70; ++n) {
      Bytes key(n);
      for (size_t i = 0; i < n; ++i) key[i] = static_cast<uint8_t>(i * 7 + n);
      auto w = AesKeyWrapPad(kek, key);
      ASSERT_TRUE(w.ok()) << w.error().ToString();
      EXPECT_EQ(w->size(), (n + 7) / 8 * 8 + 8);
      auto u = AesKeyUnwrapPad(kek, *w);
      ASSERT_TRUE(u.ok()) << u.error().ToString();
      EXPECT_EQ(*u, key);
    }
  }
}

// Wycheproof aes_kwp_test.json: valid cases wrap to exactly `ct` and unwrap back; invalid cases
// (all ModifiedPadding: bad AIV, bad length indicator, non-zero padding, KW-instead-of-KWP) must
// fail to unwrap, as Malformed (length) or VerificationFailed (integrity). The file has no
// acceptable cases; any would fail this test so a new file version gets a deliberate decision.
TEST(AesKeyWrapPad, Wycheproof) {
  SKR_WYCHEPROOF_OR_SKIP(vectors, "aes_kwp_test.json");
  int valid = 0, invalid = 0;
  for (const auto& group : vectors["testGroups"]) {
    for (const auto& t : group["tests"]) {
      std::string c = testing::WycheproofCase(t);
      Bytes key = testing::WycheproofHex(t, "key");
      Bytes msg = testing::WycheproofHex(t, "msg");
      Bytes ct = testing::WycheproofHex(t, "ct");
      std::string result = t["result"];
      auto u = AesKeyUnwrapPad(key, ct);
      if (result == "valid") {
        ++valid;
        ASSERT_TRUE(u.ok()) << c << ": " << u.error().ToString();
        EXPECT_EQ(*u, msg) << c;
        auto w = AesKeyWrapPad(key, msg);
        ASSERT_TRUE(w.ok()) << c << ": " << w.error().ToString();
        EXPECT_EQ(*w, ct) << c;
      } else {
        ASSERT_EQ(result, "invalid") << c;
        ++invalid;
        ASSERT_FALSE(u.ok()) << c << " was accepted";
        EXPECT_TRUE(u.error().code() == ErrorCode::kVerificationFailed ||
                    u.error().code() == ErrorCode::kMalformed)
            << c << ": " << u.error().ToString();
      }
    }
  }
  EXPECT_EQ(valid, 77);
  EXPECT_EQ(invalid, 177);
  EXPECT_EQ(valid + invalid, vectors["numberOfTests"].get<int>());
}

}  // namespace
}  // namespace skr::crypto
