#include "libskr/kv/key_hsm.h"

#include <nlohmann/json.hpp>

#include "libskr/crypto/keywrap.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"

namespace skr::kv {
namespace {
using nlohmann::json;

Result<std::string> StringField(const json& j, const char* name, std::string_view where) {
  auto it = j.find(name);
  if (it == j.end()) return Malformed(std::string(where) + ": missing \"" + name + "\"");
  if (!it->is_string())
    return Malformed(std::string(where) + ": \"" + name + "\" must be a string");
  return it->get<std::string>();
}
}  // namespace

std::string_view KeyWrapAlgorithmName(KeyWrapAlgorithm alg) {
  switch (alg) {
    case KeyWrapAlgorithm::kCkmRsaAesKeyWrap:
      return "CKM_RSA_AES_KEY_WRAP";
    case KeyWrapAlgorithm::kRsaAesKeyWrap256:
      return "RSA_AES_KEY_WRAP_256";
    case KeyWrapAlgorithm::kRsaAesKeyWrap384:
      return "RSA_AES_KEY_WRAP_384";
  }
  return "?";
}

Result<KeyWrapAlgorithm> KeyWrapAlgorithmFromName(std::string_view name) {
  for (KeyWrapAlgorithm a :
       {KeyWrapAlgorithm::kCkmRsaAesKeyWrap, KeyWrapAlgorithm::kRsaAesKeyWrap256,
        KeyWrapAlgorithm::kRsaAesKeyWrap384}) {
    if (KeyWrapAlgorithmName(a) == name) return a;
  }
  return InvalidArgument("enc \"" + std::string(name) +
                         "\" is not one of CKM_RSA_AES_KEY_WRAP, RSA_AES_KEY_WRAP_256, "
                         "RSA_AES_KEY_WRAP_384");
}

crypto::HashAlg OaepHashOf(KeyWrapAlgorithm alg) {
  switch (alg) {
    case KeyWrapAlgorithm::kCkmRsaAesKeyWrap:
      return crypto::HashAlg::kSha1;
    case KeyWrapAlgorithm::kRsaAesKeyWrap256:
      return crypto::HashAlg::kSha256;
    case KeyWrapAlgorithm::kRsaAesKeyWrap384:
      return crypto::HashAlg::kSha384;
  }
  return crypto::HashAlg::kSha256;
}

std::string EncodeKeyHsm(const KeyHsmBlob& b) {
  json j = {{"schema_version", b.schema_version},
            {"header",
             {{"kid", b.kid}, {"alg", b.alg}, {"enc", std::string(KeyWrapAlgorithmName(b.enc))}}},
            {"ciphertext", encoding::Base64UrlEncode(b.ciphertext)}};
  return encoding::Base64UrlEncode(AsBytes(j.dump()));
}

Result<KeyHsmBlob> ParseKeyHsm(std::string_view key_hsm) {
  auto raw = encoding::Base64DecodeAny(key_hsm);
  if (!raw.ok()) return raw.error().WithContext("key_hsm");
  json j = json::parse(AsString(*raw), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed("key_hsm: not a JSON object");
  KeyHsmBlob b;
  SKR_ASSIGN_OR_RETURN(b.schema_version, StringField(j, "schema_version", "key_hsm"));
  if (b.schema_version != "1.0") {
    return Unsupported("key_hsm schema_version \"" + b.schema_version + "\" (only 1.0)");
  }
  auto header = j.find("header");
  if (header == j.end() || !header->is_object()) return Malformed("key_hsm: missing \"header\"");
  SKR_ASSIGN_OR_RETURN(b.kid, StringField(*header, "kid", "key_hsm.header"));
  SKR_ASSIGN_OR_RETURN(b.alg, StringField(*header, "alg", "key_hsm.header"));
  if (b.alg != "dir") return Unsupported("key_hsm header alg \"" + b.alg + "\" (only dir)");
  SKR_ASSIGN_OR_RETURN(std::string enc, StringField(*header, "enc", "key_hsm.header"));
  SKR_ASSIGN_OR_RETURN(b.enc, KeyWrapAlgorithmFromName(enc));
  SKR_ASSIGN_OR_RETURN(std::string ct, StringField(j, "ciphertext", "key_hsm"));
  auto ciphertext = encoding::Base64DecodeAny(ct);
  if (!ciphertext.ok()) return ciphertext.error().WithContext("key_hsm ciphertext");
  b.ciphertext = std::move(ciphertext).value();
  return b;
}

Result<KeyHsmBlob> WrapKeyHsm(ByteView key_material, const crypto::PublicKey& wrapping_key,
                              std::string kid, KeyWrapAlgorithm enc, ByteView transfer_key) {
  if (transfer_key.size() != kTransferKeySize) {
    return InvalidArgument("transfer key must be 32 bytes (AES-256), got " +
                           std::to_string(transfer_key.size()));
  }
  if (wrapping_key.type() != crypto::KeyType::kRsa) {
    return InvalidArgument("key_hsm wrapping key must be RSA");
  }
  crypto::OaepParams oaep;
  oaep.hash = OaepHashOf(enc);
  SKR_ASSIGN_OR_RETURN(Bytes wrapped_transfer,
                       crypto::RsaOaepEncrypt(wrapping_key, oaep, transfer_key));
  SKR_ASSIGN_OR_RETURN(Bytes wrapped_key, crypto::AesKeyWrapPad(transfer_key, key_material));
  KeyHsmBlob b;
  b.kid = std::move(kid);
  b.enc = enc;
  b.ciphertext = Concat(wrapped_transfer, wrapped_key);
  return b;
}

Result<Bytes> UnwrapKeyHsm(const KeyHsmBlob& blob, size_t wrapping_modulus_bytes,
                           const OaepDecryptFn& rsa_oaep_decrypt) {
  if (wrapping_modulus_bytes == 0 || blob.ciphertext.size() < wrapping_modulus_bytes + 16) {
    return Malformed("key_hsm ciphertext of " + std::to_string(blob.ciphertext.size()) +
                     " bytes cannot hold a " + std::to_string(wrapping_modulus_bytes) +
                     "-byte RSA-OAEP block and an RFC 5649 wrap (>= 16 bytes)");
  }
  ByteView ct(blob.ciphertext);
  auto transfer = rsa_oaep_decrypt(OaepHashOf(blob.enc), ct.first(wrapping_modulus_bytes));
  if (!transfer.ok()) {
    return transfer.error().WithContext(std::string("decrypting the key_hsm transfer key (") +
                                        std::string(KeyWrapAlgorithmName(blob.enc)) + ")");
  }
  auto key = crypto::AesKeyUnwrapPad(*transfer, ct.subspan(wrapping_modulus_bytes));
  if (!key.ok()) return key.error().WithContext("unwrapping the key_hsm key material (RFC 5649)");
  return key;
}

std::string EncodeReleaseRequest(const ReleaseRequest& r) {
  json j = {{"target", r.target}};
  if (r.nonce) j["nonce"] = *r.nonce;
  if (r.enc) j["enc"] = std::string(KeyWrapAlgorithmName(*r.enc));
  return j.dump();
}

Result<ReleaseRequest> ParseReleaseRequest(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Malformed("release request body is not a JSON object");
  }
  ReleaseRequest r;
  SKR_ASSIGN_OR_RETURN(r.target, StringField(j, "target", "release request"));
  if (r.target.empty()) return Malformed("release request: \"target\" must not be empty");
  if (auto it = j.find("nonce"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return Malformed("release request: \"nonce\" must be a string");
    r.nonce = it->get<std::string>();
  }
  if (auto it = j.find("enc"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return Malformed("release request: \"enc\" must be a string");
    SKR_ASSIGN_OR_RETURN(r.enc, KeyWrapAlgorithmFromName(it->get<std::string>()));
  }
  return r;
}

}  // namespace skr::kv
