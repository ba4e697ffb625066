#include "mock-kv/key_hsm.h"

#include <gtest/gtest.h>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/rsa_encrypt.h"
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

TEST(WrapForRelease, UnwrapsWithTheRuntimePrivateKeyOnly) {
  RuntimeKey target{"TpmEphemeralEncryptionKey", Rsa().public_key()};
  for (kv::KeyWrapAlgorithm enc :
       {kv::KeyWrapAlgorithm::kCkmRsaAesKeyWrap, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256,
        kv::KeyWrapAlgorithm::kRsaAesKeyWrap384}) {
    Bytes material(1217, 0x5A);
    auto text = WrapForRelease(target, enc, material);
    ASSERT_TRUE(text.ok()) << text.error().ToString();
    auto blob = kv::ParseKeyHsm(*text);
    ASSERT_TRUE(blob.ok());
    EXPECT_EQ(blob->kid, "TpmEphemeralEncryptionKey");
    EXPECT_EQ(blob->enc, enc);
    EXPECT_EQ(blob->ciphertext.size(), 256 + (1217 + 7) / 8 * 8 + 8);
    auto decrypt = [](crypto::HashAlg h, ByteView ct) {
      crypto::OaepParams p;
      p.hash = h;
      return crypto::RsaOaepDecrypt(Rsa(), p, ct);
    };
    auto back = kv::UnwrapKeyHsm(*blob, 256, decrypt);
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_EQ(*back, material);
    // Fresh transfer key per release: two wraps differ.
    EXPECT_NE(*WrapForRelease(target, enc, material), *text);
  }
}

}  // namespace
}  // namespace skr::mock_kv
