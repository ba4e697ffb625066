// TPMT_PUBLIC / TPM2B_PUBLIC (TPM 2.0 Part 2, 12.2) for RSA and ECC keys: parse, serialize, the
// TPM name, and conversion to crypto::PublicKey and JWK (the vTPM AK of evidence-formats.md 2.7 and
// the ephemeral encryption key of skr-protocol.md 1.4).
#ifndef SKR_TPM_PUBLIC_H_
#define SKR_TPM_PUBLIC_H_

#include <cstdint>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"
#include "libskr/jose/jwk.h"

namespace skr::tpm {

// TPM_ALG_ID values used here (Part 2, 6.3).
inline constexpr uint16_t kAlgRsa = 0x0001;
inline constexpr uint16_t kAlgSha1 = 0x0004;
inline constexpr uint16_t kAlgAes = 0x0006;
inline constexpr uint16_t kAlgSha256 = 0x000B;
inline constexpr uint16_t kAlgSha384 = 0x000C;
inline constexpr uint16_t kAlgSha512 = 0x000D;
inline constexpr uint16_t kAlgNull = 0x0010;
inline constexpr uint16_t kAlgRsassa = 0x0014;
inline constexpr uint16_t kAlgRsaes = 0x0015;
inline constexpr uint16_t kAlgRsapss = 0x0016;
inline constexpr uint16_t kAlgOaep = 0x0017;
inline constexpr uint16_t kAlgEcdsa = 0x0018;
inline constexpr uint16_t kAlgEcc = 0x0023;
inline constexpr uint16_t kAlgCfb = 0x0043;
// TPM_ECC_CURVE (Part 2, 6.4).
inline constexpr uint16_t kEccNistP256 = 0x0003;
inline constexpr uint16_t kEccNistP384 = 0x0004;
inline constexpr uint16_t kEccNistP521 = 0x0005;

// TPM hash algorithm id <-> crypto::HashAlg. Unsupported for other ids.
Result<crypto::HashAlg> HashAlgFromTpm(uint16_t tpm_alg);
uint16_t TpmAlgOf(crypto::HashAlg alg);

// A scheme with its hash (TPMT_RSA_SCHEME, TPMT_ECC_SCHEME, TPMT_KDF_SCHEME): scheme kAlgNull has
// no hash on the wire.
struct TpmScheme {
  uint16_t scheme = kAlgNull;
  uint16_t hash_alg = kAlgNull;  // only when scheme != kAlgNull
  uint16_t count = 0;            // ECDAA only
};

// TPMT_SYM_DEF_OBJECT: algorithm kAlgNull, or a block cipher with key bits and mode.
struct TpmSymDef {
  uint16_t algorithm = kAlgNull;
  uint16_t key_bits = 0;  // only when algorithm != kAlgNull
  uint16_t mode = 0;      // only when algorithm != kAlgNull
};

struct TpmPublic {
  uint16_t type = kAlgRsa;  // kAlgRsa or kAlgEcc
  uint16_t name_alg = kAlgSha256;
  uint32_t object_attributes = 0;  // TPMA_OBJECT
  Bytes auth_policy;
  TpmSymDef symmetric;
  TpmScheme scheme;  // TPMT_RSA_SCHEME or TPMT_ECC_SCHEME
  // RSA: keyBits, exponent (0 = 65537 on the wire) and the modulus in `unique_rsa`.
  uint16_t rsa_key_bits = 0;
  uint32_t rsa_exponent = 0;
  Bytes unique_rsa;
  // ECC: curve, KDF and the point (each coordinate as the TPM2B carries it).
  uint16_t ecc_curve = 0;
  TpmScheme ecc_kdf;
  Bytes unique_x, unique_y;

  // Marshaled TPMT_PUBLIC.
  Bytes Serialize() const;
  // Marshaled TPM2B_PUBLIC (u16 size || TPMT_PUBLIC).
  Bytes Serialize2B() const;
  // nameAlg || H_nameAlg(TPMT_PUBLIC) (Part 1, 16). Unsupported for an unknown nameAlg.
  Result<Bytes> Name() const;
  Result<crypto::PublicKey> ToPublicKey() const;
  Result<jose::Jwk> ToJwk() const;
};

// Parses a marshaled TPMT_PUBLIC; every byte must be consumed. An empty unique is accepted (a
// creation template); ToPublicKey() then fails. Errors name the field and offset.
// Types other than RSA and ECC are kUnsupported.
Result<TpmPublic> ParsePublic(ByteView tpmt_public);
// Parses a TPM2B_PUBLIC (u16 size, then exactly that many bytes of TPMT_PUBLIC).
Result<TpmPublic> ParsePublic2B(ByteView tpm2b_public);

// TPM_RH hierarchy handles; a hierarchy's qualified name is its handle (Part 1, 16).
inline constexpr uint32_t kRhOwner = 0x40000001;
inline constexpr uint32_t kRhEndorsement = 0x4000000B;
inline constexpr uint32_t kRhPlatform = 0x4000000C;
inline constexpr uint32_t kRhNull = 0x40000007;
Bytes HierarchyQualifiedName(uint32_t hierarchy);  // the 4-byte big-endian handle
// An object's qualified name: nameAlg || H_nameAlg(parent_qualified_name || name) (Part 1, 16),
// what TPMS_ATTEST.qualifiedSigner holds. The Azure vTPM AK is a primary key in the endorsement
// hierarchy: qualifiedSigner == QualifiedName(kAlgSha256, HierarchyQualifiedName(kRhEndorsement),
// AK name) on every real quote sample.
Result<Bytes> QualifiedName(uint16_t name_alg, ByteView parent_qualified_name, ByteView name);

// The TPMT_PUBLIC that a TPM would report for `key` with the given template fields: RSA keys get
// keyBits/exponent/unique from the key, EC keys curve/x/y. The caller's `tmpl` gives type-
// independent fields (nameAlg, attributes, policy, symmetric, scheme, ecc_kdf).
Result<TpmPublic> PublicFromKey(const crypto::PublicKey& key, const TpmPublic& tmpl);

}  // namespace skr::tpm

#endif  // SKR_TPM_PUBLIC_H_
