#include "mock-kv/key_hsm.h"

#include "libskr/crypto/digest.h"
#include "libskr/jose/jwk.h"

namespace skr::mock_kv {

using nlohmann::json;

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

Result<std::string> WrapForRelease(const RuntimeKey& target, kv::KeyWrapAlgorithm enc,
                                   ByteView material) {
  Bytes transfer_key = crypto::RandomBytes(kv::kTransferKeySize);
  SKR_ASSIGN_OR_RETURN(kv::KeyHsmBlob blob,
                       kv::WrapKeyHsm(material, target.key, target.kid, enc, transfer_key));
  return kv::EncodeKeyHsm(blob);
}

}  // namespace skr::mock_kv
