#include "libskr/crypto/rsa_encrypt.h"

#include <gtest/gtest.h>

#include <optional>

#include "libskr/testing/wycheproof.h"

namespace skr::crypto {
namespace {

std::optional<HashAlg> HashFromWycheproof(const std::string& name) {
  if (name == "SHA-1") return HashAlg::kSha1;
  if (name == "SHA-256") return HashAlg::kSha256;
  if (name == "SHA-384") return HashAlg::kSha384;
  if (name == "SHA-512") return HashAlg::kSha512;
  return std::nullopt;  // SHA-224, SHA-512/256: not in HashAlg (nothing in SKR uses them)
}

struct OaepCounts {
  int valid = 0, invalid = 0, acceptable = 0, unsupported_hash = 0;
};

// Runs one Wycheproof RSAES-OAEP decrypt file. Valid: decrypts to `msg`, and our own encryption
// of `msg` decrypts back. Invalid: must fail (Malformed for a wrong-length ciphertext,
// VerificationFailed otherwise). Acceptable (only "SmallIntegerCiphertext" in
// rsa_oaep_misc_test.json: c = 0 or 1 with a label constructed to make that a valid OAEP
// encoding): we ACCEPT, since it is a mathematically correct ciphertext < n; it must decrypt to
// `msg`. Groups with a hash HashAlg lacks (SHA-224) are counted, not run.
OaepCounts RunOaepFile(const nlohmann::json& vectors) {
  OaepCounts n;
  for (const auto& group : vectors["testGroups"]) {
    auto hash = HashFromWycheproof(group["sha"]);
    auto mgf = HashFromWycheproof(group["mgfSha"]);
    if (!hash || !mgf) {
      n.unsupported_hash += static_cast<int>(group["tests"].size());
      continue;
    }
    auto key = PrivateKeyFromPkcs8Der(testing::WycheproofHex(group, "privateKeyPkcs8"));
    EXPECT_TRUE(key.ok()) << key.error().ToString();
    if (!key.ok()) continue;
    for (const auto& t : group["tests"]) {
      std::string c = testing::WycheproofCase(t);
      OaepParams params{*hash, *mgf, testing::WycheproofHex(t, "label")};
      Bytes msg = testing::WycheproofHex(t, "msg");
      Bytes ct = testing::WycheproofHex(t, "ct");
      std::string result = t["result"];
      auto plain = RsaOaepDecrypt(*key, params, ct);
      if (result == "valid" || result == "acceptable") {
        (result == "valid" ? n.valid : n.acceptable)++;
        EXPECT_TRUE(plain.ok()) << c << ": " << plain.error().ToString();
        if (plain.ok()) {
          EXPECT_EQ(*plain, msg) << c;
        }
        auto again = RsaOaepEncrypt(key->public_key(), params, msg);
        EXPECT_TRUE(again.ok()) << c << ": " << again.error().ToString();
        if (!again.ok()) continue;
        auto round = RsaOaepDecrypt(*key, params, *again);
        EXPECT_TRUE(round.ok() && *round == msg) << c << ": own encryption does not round-trip";
      } else {
        EXPECT_EQ(result, "invalid") << c;
        ++n.invalid;
        EXPECT_FALSE(plain.ok()) << c << " was accepted";
        if (plain.ok()) continue;
        ErrorCode want = ct.size() == (key->bits() + 7) / 8 ? ErrorCode::kVerificationFailed
                                                            : ErrorCode::kMalformed;
        EXPECT_EQ(plain.error().code(), want) << c << ": " << plain.error().ToString();
      }
    }
  }
  return n;
}

TEST(RsaOaep, Wycheproof2048Sha1) {
  SKR_WYCHEPROOF_OR_SKIP(v, "rsa_oaep_2048_sha1_mgf1sha1_test.json");
  OaepCounts n = RunOaepFile(v);
  EXPECT_EQ(n.valid, 17);
  EXPECT_EQ(n.invalid, 19);
  EXPECT_EQ(n.valid + n.invalid, v["numberOfTests"].get<int>());
}

TEST(RsaOaep, Wycheproof2048Sha256) {
  SKR_WYCHEPROOF_OR_SKIP(v, "rsa_oaep_2048_sha256_mgf1sha256_test.json");
  OaepCounts n = RunOaepFile(v);
  EXPECT_EQ(n.valid, 18);
  EXPECT_EQ(n.invalid, 19);
  EXPECT_EQ(n.valid + n.invalid, v["numberOfTests"].get<int>());
}

TEST(RsaOaep, Wycheproof3072Sha256) {
  SKR_WYCHEPROOF_OR_SKIP(v, "rsa_oaep_3072_sha256_mgf1sha256_test.json");
  OaepCounts n = RunOaepFile(v);
  EXPECT_EQ(n.valid, 18);
  EXPECT_EQ(n.invalid, 19);
  EXPECT_EQ(n.valid + n.invalid, v["numberOfTests"].get<int>());
}

TEST(RsaOaep, WycheproofMisc) {
  SKR_WYCHEPROOF_OR_SKIP(v, "rsa_oaep_misc_test.json");
  OaepCounts n = RunOaepFile(v);
  EXPECT_EQ(n.acceptable, 3);
  EXPECT_EQ(n.invalid, 0);
  EXPECT_GT(n.valid, 250);
  EXPECT_EQ(n.valid + n.acceptable + n.unsupported_hash, v["numberOfTests"].get<int>());
}

class RsaEncryptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto k = GenerateRsaKey(2048);
    ASSERT_TRUE(k.ok());
    key_ = new PrivateKey(*k);
  }
  static void TearDownTestSuite() {
    delete key_;
    key_ = nullptr;
  }
  static PrivateKey* key_;
};
PrivateKey* RsaEncryptTest::key_ = nullptr;

TEST_F(RsaEncryptTest, OaepRoundTripWithLabelAndMgf1Hash) {
  Bytes aes_key(32, 0x5a);
  OaepParams params{HashAlg::kSha256, HashAlg::kSha1, ToBytes(AsBytes("label"))};
  auto ct = RsaOaepEncrypt(key_->public_key(), params, aes_key);
  ASSERT_TRUE(ct.ok()) << ct.error().ToString();
  ASSERT_EQ(ct->size(), 256u);
  auto pt = RsaOaepDecrypt(*key_, params, *ct);
  ASSERT_TRUE(pt.ok()) << pt.error().ToString();
  EXPECT_EQ(*pt, aes_key);

  // Each way of getting it wrong fails with the same code and the same message.
  std::string first_message;
  auto expect_opaque_failure = [&](const OaepParams& p, ByteView c, const char* what) {
    auto r = RsaOaepDecrypt(*key_, p, c);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed) << what;
    if (first_message.empty()) first_message = r.error().message();
    EXPECT_EQ(r.error().message(), first_message) << what;
  };
  Bytes flipped = *ct;
  flipped[100] ^= 1;
  expect_opaque_failure(params, flipped, "flipped ciphertext");
  expect_opaque_failure({HashAlg::kSha256, HashAlg::kSha1, {}}, *ct, "missing label");
  expect_opaque_failure({HashAlg::kSha256, std::nullopt, params.label}, *ct, "mgf1 hash");
  expect_opaque_failure({HashAlg::kSha1, HashAlg::kSha1, params.label}, *ct, "oaep hash");
  auto pkcs1 = RsaPkcs1Decrypt(*key_, *ct);  // an OAEP ciphertext is not PKCS#1 v1.5
  ASSERT_FALSE(pkcs1.ok());
  EXPECT_EQ(pkcs1.error().code(), ErrorCode::kVerificationFailed);

  auto short_ct = RsaOaepDecrypt(*key_, params, ByteView(*ct).first(255));
  ASSERT_FALSE(short_ct.ok());
  EXPECT_EQ(short_ct.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(short_ct.error().message().find("255"), std::string::npos);
}

TEST_F(RsaEncryptTest, OaepRejectsTooLongPlaintext) {
  // 2048-bit modulus, SHA-256: at most 256 - 2*32 - 2 = 190 bytes.
  EXPECT_TRUE(RsaOaepEncrypt(key_->public_key(), {}, Bytes(190, 1)).ok());
  auto r = RsaOaepEncrypt(key_->public_key(), {}, Bytes(191, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

// MAA's inner key sealing (skr-protocol.md 1.5): RSAES-PKCS1-v1_5 of an AES key.
TEST_F(RsaEncryptTest, Pkcs1RoundTripAndTamper) {
  Bytes aes_key(32, 0xa5);
  auto ct = RsaPkcs1Encrypt(key_->public_key(), aes_key);
  ASSERT_TRUE(ct.ok()) << ct.error().ToString();
  auto ct2 = RsaPkcs1Encrypt(key_->public_key(), aes_key);
  ASSERT_TRUE(ct2.ok());
  EXPECT_NE(*ct, *ct2) << "PKCS#1 v1.5 padding must be random";
  auto pt = RsaPkcs1Decrypt(*key_, *ct);
  ASSERT_TRUE(pt.ok()) << pt.error().ToString();
  EXPECT_EQ(*pt, aes_key);
  auto other = GenerateRsaKey(2048);
  ASSERT_TRUE(other.ok());
  auto wrong_key = RsaPkcs1Decrypt(*other, *ct);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().code(), ErrorCode::kVerificationFailed);
  auto ec = GenerateEcKey(Curve::kP256);
  ASSERT_TRUE(ec.ok());
  auto wrong_type = RsaPkcs1Encrypt(ec->public_key(), aes_key);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace skr::crypto
