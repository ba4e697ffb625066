// Key Vault Secure Key Release wire formats shared by mock-kv (which wraps and signs) and the
// client (which unwraps): the `enc` algorithms, the `key_hsm` blob (skr-protocol.md 4.4) and the
// release request body (4.3).
#ifndef SKR_KV_KEY_HSM_H_
#define SKR_KV_KEY_HSM_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::kv {

// The release `enc` values (4.3): RSA-OAEP of an AES-256 transfer key (MGF1 with the same hash,
// empty label), then RFC 5649 key wrap of the key material.
enum class KeyWrapAlgorithm { kCkmRsaAesKeyWrap, kRsaAesKeyWrap256, kRsaAesKeyWrap384 };

std::string_view KeyWrapAlgorithmName(KeyWrapAlgorithm alg);  // "CKM_RSA_AES_KEY_WRAP", ...
Result<KeyWrapAlgorithm> KeyWrapAlgorithmFromName(std::string_view name);
// CKM_RSA_AES_KEY_WRAP -> SHA-1, RSA_AES_KEY_WRAP_256 -> SHA-256, RSA_AES_KEY_WRAP_384 -> SHA-384.
crypto::HashAlg OaepHashOf(KeyWrapAlgorithm alg);

inline constexpr size_t kTransferKeySize =
    32;  // AES-256 (AzureAttestSKR unwraps with aes_256_wrap_pad)

// base64url(JSON {"schema_version":"1.0","header":{"kid","alg":"dir","enc"},"ciphertext"}).
struct KeyHsmBlob {
  std::string schema_version = "1.0";
  std::string kid;  // kid of the wrapping key, e.g. "TpmEphemeralEncryptionKey"
  std::string alg = "dir";
  KeyWrapAlgorithm enc = KeyWrapAlgorithm::kCkmRsaAesKeyWrap;
  Bytes ciphertext;  // RSA-OAEP(transfer key) || AES-KWP(transfer key, key material)
};

std::string EncodeKeyHsm(const KeyHsmBlob& blob);
Result<KeyHsmBlob> ParseKeyHsm(std::string_view key_hsm);

// Key Vault's side: wraps `key_material` (PKCS#8 DER for RSA/EC keys, raw bytes for oct) to
// `wrapping_key` with `transfer_key` (32 bytes; fresh per release).
Result<KeyHsmBlob> WrapKeyHsm(ByteView key_material, const crypto::PublicKey& wrapping_key,
                              std::string kid, KeyWrapAlgorithm enc, ByteView transfer_key);

// The guest's side: `rsa_oaep_decrypt(hash, ciphertext)` undoes the OAEP step (in the TPM on a
// CVM); the wrapped part is then unwrapped. The modulus size of the wrapping key splits the blob.
using OaepDecryptFn = std::function<Result<Bytes>(crypto::HashAlg hash, ByteView ciphertext)>;
Result<Bytes> UnwrapKeyHsm(const KeyHsmBlob& blob, size_t wrapping_modulus_bytes,
                           const OaepDecryptFn& rsa_oaep_decrypt);

// POST {kid}/release body (4.3).
struct ReleaseRequest {
  std::string target;  // the attestation JWT
  std::optional<std::string> nonce;
  std::optional<KeyWrapAlgorithm> enc;  // omitted: the service uses CKM_RSA_AES_KEY_WRAP
};
std::string EncodeReleaseRequest(const ReleaseRequest& request);
Result<ReleaseRequest> ParseReleaseRequest(std::string_view body);

}  // namespace skr::kv

#endif  // SKR_KV_KEY_HSM_H_
