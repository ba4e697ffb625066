#include "libskr/encoding/encoding.h"

#include <gtest/gtest.h>

namespace skr::encoding {
namespace {

TEST(Hex, RoundTripAndCase) {
  Bytes b = {0x00, 0x9f, 0xff, 0x10};
  EXPECT_EQ(HexEncode(b), "009fff10");
  EXPECT_EQ(HexEncodeUpper(b), "009FFF10");
  EXPECT_EQ(*HexDecode("009FfF10"), b);
}

TEST(Hex, RejectsOddLengthAndBadCharacters) {
  auto odd = HexDecode("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code(), ErrorCode::kMalformed);
  auto bad = HexDecode("0g");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("position 1"), std::string::npos) << bad.error().message();
}

// RFC 4648 section 10 test vectors.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> kVectors[] = {{"", ""},
                                                          {"f", "Zg=="},
                                                          {"fo", "Zm8="},
                                                          {"foo", "Zm9v"},
                                                          {"foob", "Zm9vYg=="},
                                                          {"fooba", "Zm9vYmE="},
                                                          {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : kVectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), enc);
    EXPECT_EQ(AsString(*Base64DecodeAny(enc)), plain);
    std::string unpadded(enc);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(Base64UrlEncode(AsBytes(plain)), unpadded);
    EXPECT_EQ(AsString(*Base64UrlDecode(unpadded)), plain);
    EXPECT_EQ(AsString(*Base64DecodeAny(unpadded)), plain);
  }
}

TEST(Base64, AlphabetsAndPadding) {
  Bytes b = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(b), "+/+/");
  EXPECT_EQ(Base64UrlEncode(b), "-_-_");
  EXPECT_EQ(*Base64DecodeAny("+/+/"), b);
  EXPECT_EQ(*Base64DecodeAny("-_-_"), b);
  // Padded base64url, as the confidential-sidecar sends (skr-protocol.md 1.2).
  EXPECT_EQ(*Base64DecodeAny("-_8="), (Bytes{0xfb, 0xff}));
  EXPECT_EQ(*Base64DecodeAny("-_8"), (Bytes{0xfb, 0xff}));
}

TEST(Base64, RejectsMalformed) {
  for (const char* bad : {"+_", "Zg=", "Z", "Zm9v!", "Zm 9v", "Zh==", "Zg===", "=Zg="}) {
    auto r = Base64DecodeAny(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
    }
  }
  EXPECT_FALSE(Base64UrlDecode("Zg==").ok()) << "JOSE base64url must be unpadded";
  EXPECT_FALSE(Base64UrlDecode("+/+/").ok()) << "JOSE base64url must use the URL alphabet";
  EXPECT_FALSE(Base64DecodeStrict("Zg", Base64Alphabet::kStandard, Base64Padding::kWith).ok());
}

TEST(ConstantTime, Equals) {
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("ab")));
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
}

TEST(PercentEncode, EncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("https://vault.azure.net"), "https%3A%2F%2Fvault.azure.net");
  EXPECT_EQ(PercentEncode("a-b.c_d~e f/\xff"), "a-b.c_d~e%20f%2F%FF");
  EXPECT_EQ(PercentEncode(""), "");
}

}  // namespace
}  // namespace skr::encoding
