#include "libskr/crypto/aead.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"
#include "mock-maa/evidence.h"

namespace skr::maa {

using nlohmann::json;

namespace {
constexpr std::string_view kTransportKeyAad = "Transport Key";
}

Result<std::string> SealToken(std::string_view jwt, const crypto::PublicKey& encryption_key,
                              crypto::Drbg& drbg) {
  Bytes key = drbg.Generate(32);
  Bytes iv = drbg.Generate(12);
  SKR_ASSIGN_OR_RETURN(crypto::AesGcmSealed ct,
                       crypto::AesGcmEncrypt(key, iv, AsBytes(jwt), AsBytes(kTransportKeyAad)));
  // RSAES-PKCS1-v1_5: the guest decrypts with TPM2_ALG_RSAES (skr-protocol.md 1.5).
  SKR_ASSIGN_OR_RETURN(Bytes inner, crypto::RsaPkcs1Encrypt(encryption_key, key));
  json sealed = {{"AuthenticationData", encoding::Base64Encode(ct.tag)},
                 {"EncryptedInnerKey", encoding::Base64Encode(inner)},
                 {"EncryptionParams",
                  {{"BlockMode", "ChainingModeGCM"},
                   {"BlockPadding", "PKCS7"},
                   {"Cipher", "AES"},
                   {"Iv", encoding::Base64Encode(iv)},
                   {"KeySizeInBits", 256}}},
                 {"Jwt", encoding::Base64Encode(ct.ciphertext)}};
  return encoding::Base64UrlEncode(AsBytes(sealed.dump()));
}

Result<std::string> UnsealToken(std::string_view sealed, const crypto::PrivateKey& decryption_key) {
  SKR_ASSIGN_OR_RETURN(Bytes outer, encoding::Base64DecodeAny(sealed));
  json j = json::parse(outer.begin(), outer.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed("sealed token: not a JSON object");
  SKR_ASSIGN_OR_RETURN(Bytes inner, DecodeBase64Member(j, "EncryptedInnerKey", "sealed token"));
  SKR_ASSIGN_OR_RETURN(Bytes ct, DecodeBase64Member(j, "Jwt", "sealed token"));
  SKR_ASSIGN_OR_RETURN(Bytes tag, DecodeBase64Member(j, "AuthenticationData", "sealed token"));
  const json* params = FindMember(j, "EncryptionParams");
  if (!params || !params->is_object()) return Malformed("sealed token: EncryptionParams missing");
  SKR_ASSIGN_OR_RETURN(Bytes iv,
                       DecodeBase64Member(*params, "Iv", "sealed token.EncryptionParams"));
  SKR_ASSIGN_OR_RETURN(Bytes key, crypto::RsaPkcs1Decrypt(decryption_key, inner));
  SKR_ASSIGN_OR_RETURN(Bytes jwt,
                       crypto::AesGcmDecrypt(key, iv, ct, AsBytes(kTransportKeyAad), tag));
  return AsString(jwt);
}

}  // namespace skr::maa
