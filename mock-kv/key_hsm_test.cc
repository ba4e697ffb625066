#include "mock-kv/key_hsm.h"

#include <gtest/gtest.h>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jwk.h"

namespace skr::mock_kv {
namespace {

using nlohmann::json;

const crypto::PrivateKey& Rsa() {
  static auto* k = [] {
    crypto::Drbg d(Bytes{1}, "key_hsm_test/rsa");
    return new crypto::PrivateKey(*crypto::DeriveRsaKey(d, 2048));
  }();
  return *k;
}

json RsaJwk(const std::string& kid) {
  json j = jose::Jwk::FromPublicKey(Rsa().public_key()).json();
  j["kid"] = kid;
  return j;
}

TEST(ReleaseEnc, NamesAndHashes) {
  EXPECT_EQ(*ParseReleaseEnc("CKM_RSA_AES_KEY_WRAP"), ReleaseEnc::kCkmRsaAesKeyWrap);
  EXPECT_EQ(ReleaseEncOaepHash(ReleaseEnc::kCkmRsaAesKeyWrap), crypto::HashAlg::kSha1);
  EXPECT_EQ(ReleaseEncOaepHash(*ParseReleaseEnc("RSA_AES_KEY_WRAP_256")), crypto::HashAlg::kSha256);
  EXPECT_EQ(ReleaseEncOaepHash(*ParseReleaseEnc("RSA_AES_KEY_WRAP_384")), crypto::HashAlg::kSha384);
  for (const char* bad : {"", "rsa_aes_key_wrap_256", "RSA-OAEP", "A256KW"}) {
    EXPECT_FALSE(ParseReleaseEnc(bad).ok()) << bad;
  }
}

TEST(SelectRuntimeKey, FirstRsaEncryptionKeyWithKid) {
  crypto::Drbg d(Bytes{2}, "key_hsm_test/ec");
  json ec =
      jose::Jwk::FromPublicKey(crypto::DeriveEcKey(d, crypto::Curve::kP256)->public_key()).json();
  ec["kid"] = "ec";
  ec["use"] = "enc";
  json sig = RsaJwk("sig");
  sig["use"] = "sig";
  json nokid = jose::Jwk::FromPublicKey(Rsa().public_key()).json();
  nokid["use"] = "enc";
  json by_ops = RsaJwk("by-ops");
  by_ops["key_ops"] = {"encrypt"};
  json by_use = RsaJwk("by-use");
  by_use["use"] = "enc";
  json claims = {{"x-ms-runtime", {{"keys", {ec, sig, nokid, by_ops, by_use}}}}};
  auto k = SelectRuntimeKey(claims);
  ASSERT_TRUE(k.ok()) << k.error().ToString();
  EXPECT_EQ(k->kid, "by-ops");
  claims["x-ms-runtime"]["keys"] = {ec, sig, nokid, by_use};
  EXPECT_EQ(SelectRuntimeKey(claims)->kid, "by-use");
  claims["x-ms-runtime"]["keys"] = {ec, sig, nokid};
  EXPECT_EQ(SelectRuntimeKey(claims).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(SelectRuntimeKey(json::object()).ok());
  EXPECT_FALSE(SelectRuntimeKey(json{{"x-ms-runtime", {{"keys", "x"}}}}).ok());
  // A broken key is skipped, not fatal.
  json broken = by_use;
  broken["n"] = "!!";
  claims["x-ms-runtime"]["keys"] = {broken, by_ops};
  EXPECT_EQ(SelectRuntimeKey(claims)->kid, "by-ops");
}

TEST(KeyHsm, WrapUnwrapRoundTripAndLayout) {
  RuntimeKey target{"TpmEphemeralEncryptionKey", Rsa().public_key()};
  for (ReleaseEnc enc : {ReleaseEnc::kCkmRsaAesKeyWrap, ReleaseEnc::kRsaAesKeyWrap256,
                         ReleaseEnc::kRsaAesKeyWrap384}) {
    for (size_t len : {1u, 16u, 32u, 33u, 1217u}) {
      Bytes material(len, 0x5A);
      auto blob = WrapKeyHsm(target, enc, material);
      ASSERT_TRUE(blob.ok()) << blob.error().ToString();
      json j = json::parse(AsString(*encoding::Base64UrlDecode(*blob)));
      EXPECT_EQ(j["header"]["enc"], ReleaseEncName(enc));
      Bytes ct = *encoding::Base64UrlDecode(j["ciphertext"].get<std::string>());
      EXPECT_EQ(ct.size(), 256 + (len + 7) / 8 * 8 + 8);
      auto back = UnwrapKeyHsm(*blob, Rsa());
      ASSERT_TRUE(back.ok()) << back.error().ToString();
      EXPECT_EQ(*back, material);
      // Flipping a byte in either part breaks the unwrap.
      for (size_t pos : {size_t{10}, ct.size() - 3}) {
        Bytes bad = ct;
        bad[pos] ^= 1;
        j["ciphertext"] = encoding::Base64UrlEncode(bad);
        EXPECT_FALSE(UnwrapKeyHsm(encoding::Base64UrlEncode(AsBytes(j.dump())), Rsa()).ok());
      }
      // The header's enc decides the OAEP hash.
      j["ciphertext"] = encoding::Base64UrlEncode(ct);
      j["header"]["enc"] =
          enc == ReleaseEnc::kRsaAesKeyWrap256 ? "RSA_AES_KEY_WRAP_384" : "RSA_AES_KEY_WRAP_256";
      EXPECT_FALSE(UnwrapKeyHsm(encoding::Base64UrlEncode(AsBytes(j.dump())), Rsa()).ok());
    }
  }
  EXPECT_FALSE(UnwrapKeyHsm("not base64!", Rsa()).ok());
  EXPECT_FALSE(UnwrapKeyHsm(encoding::Base64UrlEncode(AsBytes("{}")), Rsa()).ok());
}

}  // namespace
}  // namespace skr::mock_kv
