// Key material for mock-kv: deterministic generation from the seed, import from a JWK, and the
// public JWK members Key Vault returns (kid, kty, key_ops, n/e or crv/x/y).
#ifndef SKR_MOCK_KV_KEY_MATERIAL_H_
#define SKR_MOCK_KV_KEY_MATERIAL_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::mock_kv {

// What a create request asks for, validated: kty one of RSA, RSA-HSM, EC, EC-HSM, oct-HSM;
// RSA key_size 2048/3072/4096 (default 2048); EC crv P-256/P-384/P-521 (default P-256, or from
// key_size 256/384/521); oct-HSM key_size 128/192/256 (default 256).
struct KeySpec {
  std::string kty;
  size_t key_size = 0;  // RSA bits or oct bits
  std::string crv;      // EC
};
// kInvalidArgument with the real service's kind of message for unsupported values.
Result<KeySpec> ParseKeySpec(const nlohmann::json& body);

bool IsRsa(const std::string& kty);
bool IsEc(const std::string& kty);
bool IsOct(const std::string& kty);
bool IsHsm(const std::string& kty);

// Default key_ops per type, as Key Vault assigns them.
std::vector<std::string> DefaultKeyOps(const std::string& kty);
// kInvalidArgument for an unknown operation name.
Result<std::vector<std::string>> ParseKeyOps(const nlohmann::json& ops);

// The version id and material of the n-th version of key `name`, from
// Drbg(seed, "mock-kv/key/<name>/<n>") (same seed, name and n -> same key and version id).
std::string DeriveVersionId(ByteView seed, const std::string& name, uint64_t n);
Result<Bytes> DeriveKeyMaterial(ByteView seed, const std::string& name, uint64_t n,
                                const KeySpec& spec);

// An imported JWK ({"kty": RSA|RSA-HSM|EC|EC-HSM|oct|oct-HSM, private members}) -> (kty stored,
// material). `hsm` (the request's "Hsm" flag) turns RSA/EC/oct into the -HSM type.
struct ImportedKey {
  std::string kty;
  Bytes material;
  std::vector<std::string> key_ops;  // from the JWK, or the defaults
};
Result<ImportedKey> ImportJwk(const nlohmann::json& jwk, bool hsm);

// {"kid", "kty", "key_ops", "n", "e"} / {"kid", "kty", "key_ops", "crv", "x", "y"} /
// {"kid", "kty", "key_ops"}: the public JsonWebKey of a bundle. RSA "e" is 4 bytes ("AAEAAQ"),
// as Key Vault returns it (skr-protocol.md 4.1, 6.2).
Result<nlohmann::ordered_json> PublicJwk(const std::string& kid, const std::string& kty,
                                         const std::vector<std::string>& key_ops,
                                         ByteView material);

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_KEY_MATERIAL_H_
