#include "libskr/kv/key_hsm.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libskr/crypto/keys.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"

namespace skr::kv {
namespace {

using nlohmann::json;

const crypto::PrivateKey& WrappingKey() {
  static const crypto::PrivateKey* key = new crypto::PrivateKey(*crypto::GenerateRsaKey(2048));
  return *key;
}

OaepDecryptFn Decryptor(const crypto::PrivateKey& key) {
  return [&key](crypto::HashAlg hash, ByteView ct) {
    crypto::OaepParams p;
    p.hash = hash;
    return crypto::RsaOaepDecrypt(key, p, ct);
  };
}

TEST(KeyHsm, WrapsAndUnwrapsWithEachEnc) {
  auto released = crypto::GenerateEcKey(crypto::Curve::kP384);
  ASSERT_TRUE(released.ok());
  Bytes material = released->ToPkcs8Der();
  Bytes transfer(32, 0x17);
  for (KeyWrapAlgorithm enc :
       {KeyWrapAlgorithm::kCkmRsaAesKeyWrap, KeyWrapAlgorithm::kRsaAesKeyWrap256,
        KeyWrapAlgorithm::kRsaAesKeyWrap384}) {
    auto blob = WrapKeyHsm(material, WrappingKey().public_key(), "TpmEphemeralEncryptionKey", enc,
                           transfer);
    ASSERT_TRUE(blob.ok()) << blob.error().ToString();
    // RSA-OAEP block (modulus size) || RFC 5649 wrap (ceil(m/8)*8 + 8) (skr-protocol.md 4.4).
    EXPECT_EQ(blob->ciphertext.size(), 256 + (material.size() + 7) / 8 * 8 + 8);
    std::string encoded = EncodeKeyHsm(*blob);
    json j = json::parse(AsString(*encoding::Base64UrlDecode(encoded)));
    EXPECT_EQ(j["schema_version"], "1.0");
    EXPECT_EQ(j["header"]["alg"], "dir");
    EXPECT_EQ(j["header"]["enc"], KeyWrapAlgorithmName(enc));
    EXPECT_EQ(j["header"]["kid"], "TpmEphemeralEncryptionKey");

    auto parsed = ParseKeyHsm(encoded);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    auto unwrapped = UnwrapKeyHsm(*parsed, 256, Decryptor(WrappingKey()));
    ASSERT_TRUE(unwrapped.ok()) << unwrapped.error().ToString();
    EXPECT_EQ(*unwrapped, material);
  }
}

TEST(KeyHsm, TamperingOrTheWrongKeyOrEncReleasesNothing) {
  Bytes material(32, 0xAB);  // an oct-HSM key: raw bytes
  auto blob = WrapKeyHsm(material, WrappingKey().public_key(), "k",
                         KeyWrapAlgorithm::kRsaAesKeyWrap256, Bytes(32, 1));
  ASSERT_TRUE(blob.ok());
  for (size_t at : {size_t{0}, size_t{255}, size_t{256}, blob->ciphertext.size() - 1}) {
    KeyHsmBlob bad = *blob;
    bad.ciphertext[at] ^= 0x01;
    EXPECT_FALSE(UnwrapKeyHsm(bad, 256, Decryptor(WrappingKey())).ok()) << "flipped byte " << at;
  }
  KeyHsmBlob wrong_enc = *blob;
  wrong_enc.enc = KeyWrapAlgorithm::kCkmRsaAesKeyWrap;
  EXPECT_FALSE(UnwrapKeyHsm(wrong_enc, 256, Decryptor(WrappingKey())).ok());
  auto other = crypto::GenerateRsaKey(2048);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(UnwrapKeyHsm(*blob, 256, Decryptor(*other)).ok());
  KeyHsmBlob short_blob = *blob;
  short_blob.ciphertext.resize(260);
  auto r = UnwrapKeyHsm(short_blob, 256, Decryptor(WrappingKey()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  EXPECT_FALSE(WrapKeyHsm(material, WrappingKey().public_key(), "k",
                          KeyWrapAlgorithm::kRsaAesKeyWrap256, Bytes(16, 1))
                   .ok());
}

TEST(KeyHsm, ParseRejectsMalformedBlobs) {
  auto enc = [](const json& j) { return encoding::Base64UrlEncode(AsBytes(j.dump())); };
  json good = {{"schema_version", "1.0"},
               {"header", {{"kid", "k"}, {"alg", "dir"}, {"enc", "RSA_AES_KEY_WRAP_256"}}},
               {"ciphertext", "AAAA"}};
  ASSERT_TRUE(ParseKeyHsm(enc(good)).ok());
  json v2 = good;
  v2["schema_version"] = "2.0";
  json bad_enc = good;
  bad_enc["header"]["enc"] = "A256KW";
  json no_header = good;
  no_header.erase("header");
  json bad_ct = good;
  bad_ct["ciphertext"] = "***";
  for (const std::string& s : {enc(v2), enc(bad_enc), enc(no_header), enc(bad_ct),
                               std::string("%%%"), encoding::Base64UrlEncode(AsBytes("[1]"))}) {
    EXPECT_FALSE(ParseKeyHsm(s).ok()) << s;
  }
}

TEST(ReleaseRequest, RoundTripsAndRejectsBadBodies) {
  ReleaseRequest r{"a.b.c", "ADE0101", KeyWrapAlgorithm::kRsaAesKeyWrap384};
  auto back = ParseReleaseRequest(EncodeReleaseRequest(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->target, "a.b.c");
  EXPECT_EQ(back->nonce, "ADE0101");
  EXPECT_EQ(back->enc, KeyWrapAlgorithm::kRsaAesKeyWrap384);
  auto minimal = ParseReleaseRequest(R"({"target":"t"})");
  ASSERT_TRUE(minimal.ok());
  EXPECT_FALSE(minimal->enc.has_value());
  for (const char* body : {"", "[]", "{}", R"({"target":""})", R"({"target":1})",
                           R"({"target":"t","enc":"RSA1_5"})", R"({"target":"t","nonce":5})"}) {
    EXPECT_FALSE(ParseReleaseRequest(body).ok()) << body;
  }
}

}  // namespace
}  // namespace skr::kv
