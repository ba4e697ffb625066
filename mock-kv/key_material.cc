#include "mock-kv/key_material.h"

#include <algorithm>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/keys.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jwk.h"

namespace skr::mock_kv {

using nlohmann::json;
using nlohmann::ordered_json;

bool IsRsa(const std::string& kty) { return kty == "RSA" || kty == "RSA-HSM"; }
bool IsEc(const std::string& kty) { return kty == "EC" || kty == "EC-HSM"; }
bool IsOct(const std::string& kty) { return kty == "oct" || kty == "oct-HSM"; }
bool IsHsm(const std::string& kty) { return kty.size() > 4 && kty.ends_with("-HSM"); }

Result<KeySpec> ParseKeySpec(const json& body) {
  KeySpec s;
  if (!body.contains("kty") || !body["kty"].is_string()) {
    return InvalidArgument(
        "The parameter kty is required and must be one of RSA, RSA-HSM, EC, EC-HSM, oct-HSM.");
  }
  s.kty = body["kty"].get<std::string>();
  if (!IsRsa(s.kty) && !IsEc(s.kty) && s.kty != "oct-HSM") {
    return InvalidArgument("Invalid key type \"" + s.kty +
                           "\": use RSA, RSA-HSM, EC, EC-HSM or oct-HSM.");
  }
  std::optional<int64_t> size;
  if (body.contains("key_size") && !body["key_size"].is_null()) {
    if (!body["key_size"].is_number_integer())
      return InvalidArgument("key_size must be an integer.");
    size = body["key_size"].get<int64_t>();
  }
  if (IsRsa(s.kty)) {
    s.key_size = static_cast<size_t>(size.value_or(2048));
    if (s.key_size != 2048 && s.key_size != 3072 && s.key_size != 4096) {
      return InvalidArgument("Invalid RSA key size " + std::to_string(*size) +
                             ": supported sizes are 2048, 3072 and 4096.");
    }
  } else if (IsEc(s.kty)) {
    if (body.contains("crv") && !body["crv"].is_null()) {
      if (!body["crv"].is_string()) return InvalidArgument("crv must be a string.");
      s.crv = body["crv"].get<std::string>();
    } else if (size) {
      s.crv = *size == 256 ? "P-256" : *size == 384 ? "P-384" : *size == 521 ? "P-521" : "";
    } else {
      s.crv = "P-256";
    }
    if (s.crv != "P-256" && s.crv != "P-384" && s.crv != "P-521") {
      return InvalidArgument("Invalid curve \"" + s.crv +
                             "\": supported curves are P-256, P-384 and P-521.");
    }
  } else {
    s.key_size = static_cast<size_t>(size.value_or(256));
    if (s.key_size != 128 && s.key_size != 192 && s.key_size != 256) {
      return InvalidArgument("Invalid oct-HSM key size " + std::to_string(*size) +
                             ": supported sizes are 128, 192 and 256.");
    }
  }
  return s;
}

std::vector<std::string> DefaultKeyOps(const std::string& kty) {
  if (IsRsa(kty)) return {"encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"};
  if (IsEc(kty)) return {"sign", "verify"};
  return {"encrypt", "decrypt", "wrapKey", "unwrapKey"};
}

Result<std::vector<std::string>> ParseKeyOps(const json& ops) {
  static const std::vector<std::string> kKnown = {"encrypt", "decrypt",   "sign",   "verify",
                                                  "wrapKey", "unwrapKey", "import", "export"};
  if (!ops.is_array()) return InvalidArgument("key_ops must be an array of strings.");
  std::vector<std::string> out;
  for (const auto& o : ops) {
    if (!o.is_string() ||
        std::find(kKnown.begin(), kKnown.end(), o.get<std::string>()) == kKnown.end()) {
      return InvalidArgument(
          "Invalid key operation " + o.dump() +
          ": use encrypt, decrypt, sign, verify, wrapKey, unwrapKey, import or export.");
    }
    out.push_back(o.get<std::string>());
  }
  return out;
}

std::string DeriveVersionId(ByteView seed, const std::string& name, uint64_t n) {
  crypto::Drbg drbg(seed, "mock-kv/version/" + name + "/" + std::to_string(n));
  return encoding::HexEncode(drbg.Generate(16));
}

Result<Bytes> DeriveKeyMaterial(ByteView seed, const std::string& name, uint64_t n,
                                const KeySpec& spec) {
  crypto::Drbg drbg(seed, "mock-kv/key/" + name + "/" + std::to_string(n));
  if (IsRsa(spec.kty)) {
    SKR_ASSIGN_OR_RETURN(crypto::PrivateKey k, crypto::DeriveRsaKey(drbg, spec.key_size));
    return k.ToPkcs8Der();
  }
  if (IsEc(spec.kty)) {
    SKR_ASSIGN_OR_RETURN(crypto::Curve c, crypto::CurveFromName(spec.crv));
    SKR_ASSIGN_OR_RETURN(crypto::PrivateKey k, crypto::DeriveEcKey(drbg, c));
    return k.ToPkcs8Der();
  }
  return drbg.Generate(spec.key_size / 8);
}

Result<ImportedKey> ImportJwk(const json& j, bool hsm) {
  if (!j.is_object() || !j.contains("kty") || !j["kty"].is_string()) {
    return InvalidArgument("key must be a JSON Web Key with a kty.");
  }
  std::string kty = j["kty"].get<std::string>();
  std::string base = IsHsm(kty) ? kty.substr(0, kty.size() - 4) : kty;
  if (base != "RSA" && base != "EC" && base != "oct") {
    return InvalidArgument("Invalid key type \"" + kty + "\" in the imported key.");
  }
  ImportedKey out;
  out.kty = (hsm || IsHsm(kty)) ? base + "-HSM" : base;
  if (base == "oct") {
    out.kty = "oct-HSM";
    SKR_ASSIGN_OR_RETURN(out.material, jose::DecodeJwkMember(j, "k"));
    if (out.material.size() != 16 && out.material.size() != 24 && out.material.size() != 32) {
      return InvalidArgument("Imported oct key must be 128, 192 or 256 bits.");
    }
  } else {
    json copy = j;
    copy["kty"] = base;
    for (const char* m : {"key_ops", "kid", "key_hsm", "use", "alg"}) copy.erase(m);
    auto jwk = jose::Jwk::Parse(copy);
    if (!jwk.ok())
      return InvalidArgument("The imported key is not a valid JWK: " + jwk.error().message());
    if (!jwk->is_private()) return InvalidArgument("The imported key has no private part (\"d\").");
    auto priv = jwk->ToPrivateKey();
    if (!priv.ok())
      return InvalidArgument("The imported key is not usable: " + priv.error().message());
    if (base == "RSA" && priv->bits() < 2048) {
      return InvalidArgument("Imported RSA keys must be at least 2048 bits.");
    }
    out.material = priv->ToPkcs8Der();
  }
  if (j.contains("key_ops")) {
    SKR_ASSIGN_OR_RETURN(out.key_ops, ParseKeyOps(j["key_ops"]));
  } else {
    out.key_ops = DefaultKeyOps(out.kty);
  }
  return out;
}

Result<ordered_json> PublicJwk(const std::string& kid, const std::string& kty,
                               const std::vector<std::string>& key_ops, ByteView material) {
  ordered_json j = ordered_json::object();
  j["kid"] = kid;
  j["kty"] = kty;
  j["key_ops"] = key_ops;
  if (IsOct(kty)) return j;
  SKR_ASSIGN_OR_RETURN(crypto::PrivateKey k, crypto::PrivateKeyFromPkcs8Der(material));
  jose::JwkEncodeOptions opts;
  opts.rsa_exponent_4_bytes = true;
  jose::Jwk pub = jose::Jwk::FromPublicKey(k.public_key(), opts);
  const json& pj = pub.json();
  if (IsRsa(kty)) {
    j["n"] = pj.at("n");
    j["e"] = pj.at("e");
  } else {
    j["crv"] = pj.at("crv");
    j["x"] = pj.at("x");
    j["y"] = pj.at("y");
  }
  return j;
}

}  // namespace skr::mock_kv
