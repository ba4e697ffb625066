// The `key_hsm` blob of a Key Vault release (skr-protocol.md 4.4): the key material wrapped to
// the first RSA encryption key in the attestation token's top-level `x-ms-runtime.keys`.
//   ciphertext = RSA-OAEP(runtime key, AES-256 transfer key; hash by enc, MGF1 same, no label)
//                || AES-KWP(transfer key, material)                        (RFC 5649)
//   key_hsm    = base64url({"schema_version":"1.0","header":{"kid","alg":"dir","enc"},
//                           "ciphertext": base64url(ciphertext)})
// Material is PKCS#8 DER for RSA/EC keys and the raw bytes for oct keys.
#ifndef SKR_MOCK_KV_KEY_HSM_H_
#define SKR_MOCK_KV_KEY_HSM_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::mock_kv {

enum class ReleaseEnc { kCkmRsaAesKeyWrap, kRsaAesKeyWrap256, kRsaAesKeyWrap384 };

std::string_view ReleaseEncName(ReleaseEnc e);  // "CKM_RSA_AES_KEY_WRAP", ...
// kInvalidArgument listing the accepted values for anything else.
Result<ReleaseEnc> ParseReleaseEnc(std::string_view name);
// CKM_RSA_AES_KEY_WRAP -> SHA-1, RSA_AES_KEY_WRAP_256 -> SHA-256, RSA_AES_KEY_WRAP_384 -> SHA-384.
crypto::HashAlg ReleaseEncOaepHash(ReleaseEnc e);

struct RuntimeKey {
  std::string kid;
  crypto::PublicKey key;
};

// The first key of claims["x-ms-runtime"]["keys"] that is RSA, has a kid, and has "use":"enc" or
// "encrypt" in key_ops (skr-protocol.md 4.2, 6.5). Keys that fail to parse are skipped.
// kNotFound naming what was looked at when there is none.
Result<RuntimeKey> SelectRuntimeKey(const nlohmann::json& claims);

// Builds key_hsm with a fresh random transfer key.
Result<std::string> WrapKeyHsm(const RuntimeKey& target, ReleaseEnc enc, ByteView material);

// The inverse, for tests and clients holding the runtime private key: checks schema_version,
// alg "dir" and enc, then OAEP-decrypts the transfer key and unwraps the material.
Result<Bytes> UnwrapKeyHsm(std::string_view key_hsm, const crypto::PrivateKey& runtime_key);

}  // namespace skr::mock_kv

#endif  // SKR_MOCK_KV_KEY_HSM_H_
