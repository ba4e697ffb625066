#include "mock-kv/key_hsm.h"

#include "libskr/crypto/keywrap.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jwk.h"

namespace skr::mock_kv {

using nlohmann::json;

std::string_view ReleaseEncName(ReleaseEnc e) {
  switch (e) {
    case ReleaseEnc::kCkmRsaAesKeyWrap:
      return "CKM_RSA_AES_KEY_WRAP";
    case ReleaseEnc::kRsaAesKeyWrap256:
      return "RSA_AES_KEY_WRAP_256";
    case ReleaseEnc::kRsaAesKeyWrap384:
      return "RSA_AES_KEY_WRAP_384";
  }
  return "";
}

Result<ReleaseEnc> ParseReleaseEnc(std::string_view name) {
  for (ReleaseEnc e : {ReleaseEnc::kCkmRsaAesKeyWrap, ReleaseEnc::kRsaAesKeyWrap256,
                       ReleaseEnc::kRsaAesKeyWrap384}) {
    if (name == ReleaseEncName(e)) return e;
  }
  return InvalidArgument("enc \"" + std::string(name) +
                         "\" is not one of CKM_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_256, "
                         "RSA_AES_KEY_WRAP_384");
}

crypto::HashAlg ReleaseEncOaepHash(ReleaseEnc e) {
  switch (e) {
    case ReleaseEnc::kCkmRsaAesKeyWrap:
      return crypto::HashAlg::kSha1;
    case ReleaseEnc::kRsaAesKeyWrap256:
      return crypto::HashAlg::kSha256;
    case ReleaseEnc::kRsaAesKeyWrap384:
      return crypto::HashAlg::kSha384;
  }
  return crypto::HashAlg::kSha256;
}

Result<RuntimeKey> SelectRuntimeKey(const json& claims) {
  if (!claims.contains("x-ms-runtime") || !claims["x-ms-runtime"].is_object()) {
    return NotFound("the attestation token has no top-level \"x-ms-runtime\" object");
  }
  const json& rt = claims["x-ms-runtime"];
  if (!rt.contains("keys") || !rt["keys"].is_array()) {
    return NotFound("the attestation token has no \"x-ms-runtime.keys\" array");
  }
  size_t index = 0;
  for (const json& k : rt["keys"]) {
    ++index;
    if (!k.is_object() || k.value("kty", "") != "RSA") continue;
    if (!k.contains("kid") || !k["kid"].is_string()) continue;
    bool enc = k.value("use", "") == "enc";
    if (k.contains("key_ops") && k["key_ops"].is_array()) {
      for (const auto& op : k["key_ops"]) {
        if (op == "encrypt") enc = true;
      }
    }
    if (!enc) continue;
    auto jwk = jose::Jwk::Parse(k);
    if (!jwk.ok()) continue;
    auto pub = jwk->ToPublicKey();
    if (!pub.ok()) continue;
    return RuntimeKey{k["kid"].get<std::string>(), *pub};
  }
  return NotFound("none of the " + std::to_string(index) +
                  " keys in x-ms-runtime.keys is an RSA key with a kid and use \"enc\" or key_ops "
                  "\"encrypt\"");
}

Result<std::string> WrapKeyHsm(const RuntimeKey& target, ReleaseEnc enc, ByteView material) {
  Bytes transfer_key = crypto::RandomBytes(32);
  crypto::OaepParams oaep;
  oaep.hash = ReleaseEncOaepHash(enc);
  SKR_ASSIGN_OR_RETURN(Bytes wrapped_transfer,
                       crypto::RsaOaepEncrypt(target.key, oaep, transfer_key));
  SKR_ASSIGN_OR_RETURN(Bytes wrapped_material, crypto::AesKeyWrapPad(transfer_key, material));
  nlohmann::ordered_json blob = nlohmann::ordered_json::object();
  blob["schema_version"] = "1.0";
  blob["header"] = {{"kid", target.kid}, {"alg", "dir"}, {"enc", ReleaseEncName(enc)}};
  blob["ciphertext"] = encoding::Base64UrlEncode(Concat(wrapped_transfer, wrapped_material));
  return encoding::Base64UrlEncode(AsBytes(blob.dump()));
}

Result<Bytes> UnwrapKeyHsm(std::string_view key_hsm, const crypto::PrivateKey& runtime_key) {
  auto outer = encoding::Base64UrlDecode(key_hsm);
  if (!outer.ok())
    return Malformed("key_hsm is not unpadded base64url: " + outer.error().message());
  json blob = json::parse(AsString(*outer), nullptr, false);
  if (blob.is_discarded() || !blob.is_object()) return Malformed("key_hsm is not a JSON object");
  if (blob.value("schema_version", "") != "1.0") {
    return Malformed("key_hsm schema_version is not \"1.0\"");
  }
  if (!blob.contains("header") || !blob["header"].is_object() ||
      blob["header"].value("alg", "") != "dir") {
    return Malformed("key_hsm header.alg is not \"dir\"");
  }
  SKR_ASSIGN_OR_RETURN(ReleaseEnc enc, ParseReleaseEnc(blob["header"].value("enc", "")));
  if (!blob.contains("ciphertext") || !blob["ciphertext"].is_string()) {
    return Malformed("key_hsm has no ciphertext");
  }
  SKR_ASSIGN_OR_RETURN(Bytes ct, encoding::Base64UrlDecode(blob["ciphertext"].get<std::string>()));
  size_t rsa_len = (runtime_key.bits() + 7) / 8;
  if (ct.size() <= rsa_len) {
    return Malformed("key_hsm ciphertext has " + std::to_string(ct.size()) +
                     " bytes, not more than the " + std::to_string(rsa_len) + "-byte RSA block");
  }
  crypto::OaepParams oaep;
  oaep.hash = ReleaseEncOaepHash(enc);
  SKR_ASSIGN_OR_RETURN(Bytes transfer_key,
                       crypto::RsaOaepDecrypt(runtime_key, oaep, ByteView(ct).first(rsa_len)));
  if (transfer_key.size() != 32) {
    return Malformed("key_hsm transfer key has " + std::to_string(transfer_key.size()) +
                     " bytes, expected 32 (AES-256)");
  }
  return crypto::AesKeyUnwrapPad(transfer_key, ByteView(ct).subspan(rsa_len));
}

}  // namespace skr::mock_kv
