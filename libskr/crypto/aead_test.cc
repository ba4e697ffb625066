#include "libskr/crypto/aead.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/testing/wycheproof.h"

namespace skr::crypto {
namespace {

Bytes Hex(std::string_view h) { return *encoding::HexDecode(h); }

TEST(AesGcm, RoundTripAndTamperedInputsFail) {
  Bytes key(32, 0x11), iv(12, 0x22), aad = ToBytes(AsBytes("header")),
                                     msg = ToBytes(AsBytes("the AzureGuest inner key"));
  auto sealed = AesGcmEncrypt(key, iv, msg, aad);
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  ASSERT_EQ(sealed->ciphertext.size(), msg.size());
  ASSERT_EQ(sealed->tag.size(), kAesGcmTagSize);
  auto plain = AesGcmDecrypt(key, iv, sealed->ciphertext, aad, sealed->tag);
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  EXPECT_EQ(*plain, msg);

  auto expect_auth_failure = [&](ByteView k, ByteView i, ByteView ct, ByteView a, ByteView tag,
                                 const char* what) {
    auto r = AesGcmDecrypt(k, i, ct, a, tag);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed) << what;
  };
  for (size_t i = 0; i < sealed->ciphertext.size(); ++i) {
    Bytes ct = sealed->ciphertext;
    ct[i] ^= 1;
    expect_auth_failure(key, iv, ct, aad, sealed->tag, "ciphertext");
  }
  for (size_t i = 0; i < kAesGcmTagSize; ++i) {
    Bytes tag = sealed->tag;
    tag[i] ^= 0x80;
    expect_auth_failure(key, iv, sealed->ciphertext, aad, tag, "tag");
  }
  Bytes bad_aad = aad;
  bad_aad.back() ^= 1;
  expect_auth_failure(key, iv, sealed->ciphertext, bad_aad, sealed->tag, "aad");
  expect_auth_failure(key, iv, sealed->ciphertext, {}, sealed->tag, "no aad");
  Bytes bad_iv = iv;
  bad_iv[0] ^= 1;
  expect_auth_failure(key, bad_iv, sealed->ciphertext, aad, sealed->tag, "iv");
  Bytes bad_key = key;
  bad_key[31] ^= 1;
  expect_auth_failure(bad_key, iv, sealed->ciphertext, aad, sealed->tag, "key");
}

TEST(AesGcm, RejectsBadSizes) {
  Bytes key(16, 1), iv(12, 2), tag(16, 3);
  auto short_tag = AesGcmDecrypt(key, iv, {}, {}, ByteView(tag).first(12));
  ASSERT_FALSE(short_tag.ok());
  EXPECT_EQ(short_tag.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(short_tag.error().message().find("12 bytes"), std::string::npos);
  auto empty_iv = AesGcmEncrypt(key, {}, {}, {});
  ASSERT_FALSE(empty_iv.ok());
  EXPECT_EQ(empty_iv.error().code(), ErrorCode::kInvalidArgument);
  auto bad_key = AesGcmEncrypt(ByteView(key).first(15), iv, {}, {});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_EQ(bad_key.error().code(), ErrorCode::kInvalidArgument);
}

// Wycheproof aes_gcm_test.json. Decisions:
// - Tag size: we only support 16-byte tags. Every group in this file has tagSize 128; a group
//   with another tag size is counted and must be rejected by decrypt (Malformed).
// - Empty IV (ZeroLengthIv, all `invalid`): rejected with InvalidArgument by both directions,
//   as SP 800-38D requires an IV of at least one bit.
// - IVs of 1..128 bytes (8 to 1024 bits) must match the vectors. OpenSSL 3's GCM caps the IV at
//   128 bytes, so the `valid` 2056-bit IV cases are counted and must fail as Unsupported
//   (never as a wrong result).
// The file has no `acceptable` cases; one would fail this test and force a decision.
TEST(AesGcm, Wycheproof) {
  SKR_WYCHEPROOF_OR_SKIP(vectors, "aes_gcm_test.json");
  int valid = 0, invalid = 0, empty_iv = 0, odd_iv = 0, too_long_iv = 0;
  for (const auto& group : vectors["testGroups"]) {
    int tag_bits = group["tagSize"];
    ASSERT_EQ(tag_bits, 128) << "a non-128-bit tag group appeared: decide how to handle it";
    for (const auto& t : group["tests"]) {
      std::string c = testing::WycheproofCase(t);
      Bytes key = testing::WycheproofHex(t, "key");
      Bytes iv = testing::WycheproofHex(t, "iv");
      Bytes aad = testing::WycheproofHex(t, "aad");
      Bytes msg = testing::WycheproofHex(t, "msg");
      Bytes ct = testing::WycheproofHex(t, "ct");
      Bytes tag = testing::WycheproofHex(t, "tag");
      std::string result = t["result"];
      if (iv.size() != 12) ++odd_iv;
      auto plain = AesGcmDecrypt(key, iv, ct, aad, tag);
      auto sealed = AesGcmEncrypt(key, iv, msg, aad);
      if (result == "valid" && iv.size() > kAesGcmMaxIvSize) {
        ++too_long_iv;
        ASSERT_FALSE(plain.ok()) << c;
        EXPECT_EQ(plain.error().code(), ErrorCode::kUnsupported) << c;
        ASSERT_FALSE(sealed.ok()) << c;
        EXPECT_EQ(sealed.error().code(), ErrorCode::kUnsupported) << c;
        continue;
      }
      if (result == "valid") {
        ++valid;
        ASSERT_TRUE(plain.ok()) << c << ": " << plain.error().ToString();
        EXPECT_EQ(*plain, msg) << c;
        ASSERT_TRUE(sealed.ok()) << c << ": " << sealed.error().ToString();
        EXPECT_EQ(sealed->ciphertext, ct) << c;
        EXPECT_EQ(sealed->tag, tag) << c;
        continue;
      }
      ASSERT_EQ(result, "invalid") << c;
      ++invalid;
      ASSERT_FALSE(plain.ok()) << c << " was accepted";
      if (iv.empty()) {
        ++empty_iv;
        EXPECT_EQ(plain.error().code(), ErrorCode::kInvalidArgument) << c;
        EXPECT_FALSE(sealed.ok()) << c << ": encrypt with an empty IV";
      } else {
        EXPECT_EQ(plain.error().code(), ErrorCode::kVerificationFailed) << c;
      }
    }
  }
  EXPECT_EQ(valid, 226);
  EXPECT_EQ(too_long_iv, 3);
  EXPECT_EQ(invalid, 87);
  EXPECT_EQ(empty_iv, 6);
  EXPECT_GT(odd_iv, 0);
  EXPECT_EQ(valid + too_long_iv + invalid, vectors["numberOfTests"].get<int>());
}

// NIST GCM spec (McGrew & Viega) test case 2: AES-128, zero key, zero IV, one zero block.
TEST(AesGcm, GcmSpecTestCase2) {
  auto sealed = AesGcmEncrypt(Bytes(16, 0), Bytes(12, 0), Bytes(16, 0), {});
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->ciphertext, Hex("0388dace60b6a392f328c2b971b2fe78"));
  EXPECT_EQ(sealed->tag, Hex("ab6e47d42cec13bdf53a67b21257bddf"));
}

}  // namespace
}  // namespace skr::crypto
