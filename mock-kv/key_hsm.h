// Release wrapping on the vault side (skr-protocol.md 4.4): choose the key to wrap to from the
// attestation token, then build `key_hsm` with libskr/kv (the format shared with the client).
#ifndef SKR_MOCK_KV_KEY_HSM_H_
#define SKR_MOCK_KV_KEY_HSM_H_

#include <nlohmann/json.hpp>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/kv/key_hsm.h"

namespace skr::mock_kv {

struct RuntimeKey {
  std::string kid;
  crypto::PublicKey key;
};

// The first key of claims["x-ms-runtime"]["keys"] (top level only) that is RSA, has a kid, and has
// "use":"enc" or "encrypt" in key_ops (skr-protocol.md 4.2, 6.5). Keys that fail to parse are
// skipped. kNotFound naming what was looked at when there is none.
Result<RuntimeKey> SelectRuntimeKey(const nlohmann::json& claims);

// key_hsm for `material` (PKCS#8 DER for RSA/EC, raw for oct) wrapped to `target` with a fresh
// random AES-256 transfer key.
Result<std::string> WrapForRelease(const RuntimeKey& target, kv::KeyWrapAlgorithm enc,
                                   ByteView material);

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_KEY_HSM_H_
