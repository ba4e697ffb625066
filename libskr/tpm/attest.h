// TPMS_ATTEST (TPM 2.0 Part 2, 10.12.12) for TPM2_Quote and TPM2_Certify, TPMT_SIGNATURE (11.3.4)
// for RSASSA, RSAPSS and ECDSA, PCR selections and the quote's PCR digest
// (evidence-formats.md 2.7; skr-protocol.md 1.4: PcrQuote and EncKeyCertifyInfo).
#ifndef SKR_TPM_ATTEST_H_
#define SKR_TPM_ATTEST_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"

namespace skr::tpm {

inline constexpr uint32_t kTpmGeneratedValue = 0xFF544347;  // TPM_GENERATED_VALUE ("\xffTCG")
inline constexpr uint16_t kStAttestCertify = 0x8017;        // TPM_ST_ATTEST_CERTIFY
inline constexpr uint16_t kStAttestQuote = 0x8018;          // TPM_ST_ATTEST_QUOTE
// Limits of the TPM2B/TPML fields (tpm2-tss sizes).
inline constexpr size_t kMaxNameSize = 66;     // sizeof(TPMU_NAME)
inline constexpr size_t kMaxDataSize = 66;     // TPM2B_DATA: sizeof(TPMT_HA)
inline constexpr size_t kMaxDigestSize = 64;   // TPM2B_DIGEST: sizeof(TPMU_HA)
inline constexpr size_t kMaxPcrBanks = 16;     // TPM2_NUM_PCR_BANKS
inline constexpr size_t kMaxSizeofSelect = 4;  // TPM2_PCR_SELECT_MAX (32 PCRs)

// One TPMS_PCR_SELECTION: a bank and its selected PCR indices (ascending).
struct PcrSelection {
  uint16_t hash_alg = 0x000B;  // TPM_ALG_SHA256
  uint8_t size_of_select = 3;  // bitmap bytes on the wire (3 = PCRs 0..23)
  std::vector<uint32_t> pcrs;
};

struct ClockInfo {
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = true;
};

struct QuoteInfo {
  std::vector<PcrSelection> pcr_select;  // TPML_PCR_SELECTION
  Bytes pcr_digest;
};

struct CertifyInfo {
  Bytes name;
  Bytes qualified_name;
};

struct Attest {
  uint32_t magic = kTpmGeneratedValue;
  uint16_t type = kStAttestQuote;
  Bytes qualified_signer;  // TPM2B_NAME contents
  Bytes extra_data;        // TPM2B_DATA: the nonce / qualifying data
  ClockInfo clock_info;
  uint64_t firmware_version = 0;
  // Exactly one of these, according to `type`.
  std::optional<QuoteInfo> quote;
  std::optional<CertifyInfo> certify;

  // Marshaled TPMS_ATTEST (what the TPM signs). InvalidArgument if the attested member does not
  // match `type` or a field exceeds its TPM2B limit.
  Result<Bytes> Serialize() const;
};

// Parses a marshaled TPMS_ATTEST of type QUOTE or CERTIFY (other types: kUnsupported). Checks the
// magic, the TPM2B limits and TPMI_YES_NO; every byte must be consumed. Errors name the field
// and its offset, e.g. "TPMS_ATTEST: field extraData at 0x28 needs 9 bytes, buffer has 3".
Result<Attest> ParseAttest(ByteView data);

// TPMT_SIGNATURE for RSASSA, RSAPSS (RSA signature bytes) and ECDSA (r, s).
struct Signature {
  uint16_t sig_alg = 0x0014;   // TPM_ALG_RSASSA / RSAPSS (0x0016) / ECDSA (0x0018)
  uint16_t hash_alg = 0x000B;  // TPM_ALG_SHA256
  Bytes rsa_signature;         // RSASSA / RSAPSS
  Bytes ecdsa_r, ecdsa_s;      // ECDSA

  // The raw RSASSA signature that Azure's attestation client sends as PcrSignature
  // (skr-protocol.md 1.4) and trustee/kinvolk store (evidence-formats.md 2.7).
  static Signature RsassaRaw(crypto::HashAlg hash, ByteView sig);
  Bytes Serialize() const;  // marshaled TPMT_SIGNATURE
};

// Parses a marshaled TPMT_SIGNATURE (RSASSA, RSAPSS, ECDSA; others kUnsupported); every byte must
// be consumed.
Result<Signature> ParseSignature(ByteView data);

// Verifies `signature` over `signed_bytes` (a marshaled TPMS_ATTEST) with `key`:
// RSASSA = PKCS#1 v1.5, RSAPSS = any salt length (TPMs differ), ECDSA = r||s on the key's curve.
// VerificationFailed when it does not verify; InvalidArgument for a key of the wrong type.
Result<void> VerifySignature(ByteView signed_bytes, const Signature& signature,
                             const crypto::PublicKey& key);

// PCR values by (bank, index).
struct PcrId {
  uint16_t bank = 0x000B;
  uint32_t index = 0;
  auto operator<=>(const PcrId&) const = default;
};
using PcrValues = std::map<PcrId, Bytes>;
// values[i] is PCR i of `bank` (as the samples list PCR0..PCR23).
PcrValues PcrBank(uint16_t bank, std::span<const Bytes> values);

// H(concatenation of the selected PCR values in selection order), the quote's pcrDigest
// (Part 3, 18.4). NotFound names a selected PCR that `values` lacks; Malformed a value whose size
// is not the bank hash size.
Result<Bytes> PcrDigest(crypto::HashAlg digest_alg, std::span<const PcrSelection> selection,
                        const PcrValues& values);

}  // namespace skr::tpm

#endif  // SKR_TPM_ATTEST_H_
