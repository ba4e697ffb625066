// The request and response bodies of Microsoft Azure Attestation that the SKR flow uses
// (skr-protocol.md 1.2-1.5), shared by the client (which builds requests and opens responses) and
// mock-maa (which parses requests and builds responses), so both speak exactly one format.
//
// Encodings follow the real clients field by field (skr-protocol.md 6.1): request envelopes and
// SnpReport are base64url, TpmInfo/IsolationInfo inner fields standard base64. Parsers accept
// either alphabet, with or without padding, because real clients differ.
#ifndef SKR_MAA_REQUESTS_H_
#define SKR_MAA_REQUESTS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"

namespace skr::maa {

// runtimeData / initTimeData of SevSnpVm and TdxVm requests.
struct TypedData {
  Bytes data;
  std::string data_type = "JSON";  // "JSON" or "Binary"
};

// POST /attest/SevSnpVm (1.2).
struct SevSnpVmRequest {
  Bytes snp_report;             // 1184 bytes
  std::string vcek_cert_chain;  // PEM: VCEK, then ASK, then ARK (THIM vcekCert + certificateChain)
  std::optional<std::string> endorsements_json;
  std::optional<TypedData> runtime_data;
  std::optional<TypedData> init_time_data;
  std::optional<std::string> nonce;  // numeric nonces are accepted and kept as their text
  std::optional<std::string> draft_policy;
};

// POST /attest/TdxVm (1.3).
struct TdxVmRequest {
  Bytes quote;
  std::optional<TypedData> runtime_data;
  std::optional<TypedData> init_time_data;
  std::optional<std::string> nonce;
  std::optional<std::string> draft_policy;
};

// TpmInfo of the AzureGuest AttestationInfo (1.4).
struct TpmInfo {
  Bytes aik_cert;       // DER from NV 0x01C101D0
  Bytes aik_pub;        // TPM2B_PUBLIC of 0x81000003
  Bytes pcr_quote;      // TPMS_ATTEST
  Bytes pcr_signature;  // raw RSASSA signature
  std::vector<uint32_t> pcr_set;
  std::map<uint32_t, Bytes> pcrs;  // index -> SHA-256 value
  Bytes enc_key_pub;               // TPM2B_PUBLIC of the ephemeral key
  Bytes enc_key_certify_info;      // TPMS_ATTEST of TPM2_Certify(ephemeral, AK)
  Bytes enc_key_certify_info_signature;
};

// IsolationInfo: "SevSnp" (Proof = JSON {SnpReport, VcekCertChain}), "Tdx" (Proof = TD quote) or
// "TrustedLaunch" (no evidence).
struct IsolationInfo {
  std::string type = "SevSnp";
  Bytes snp_report;             // SevSnp
  std::string vcek_cert_chain;  // SevSnp, PEM
  Bytes td_quote;               // Tdx
  Bytes runtime_data;           // the HCL runtime claims JSON bytes
};

struct AttestationInfo {
  std::string protocol_version = "2.0";
  std::string os_type = "Linux";
  std::string os_distro = "Debian";
  uint32_t os_version_major = 12;
  uint32_t os_version_minor = 0;
  std::string os_build = "NotApplication";  // sic, as the Linux guest library sends it
  Bytes tcg_logs;
  std::map<std::string, std::string> client_payload;  // values sent base64 of the text
  TpmInfo tpm;
  IsolationInfo isolation;
};

std::string EncodeSevSnpVmRequest(const SevSnpVmRequest& request);
Result<SevSnpVmRequest> ParseSevSnpVmRequest(std::string_view body);
std::string EncodeTdxVmRequest(const TdxVmRequest& request);
Result<TdxVmRequest> ParseTdxVmRequest(std::string_view body);

nlohmann::json AttestationInfoToJson(const AttestationInfo& info);
Result<AttestationInfo> AttestationInfoFromJson(const nlohmann::json& json);
// {"AttestationInfo": base64url(JSON)}; the key is matched case-insensitively when parsing.
std::string EncodeAzureGuestRequest(const AttestationInfo& info);
Result<AttestationInfo> ParseAzureGuestRequest(std::string_view body);

// The sealed AzureGuest response token (1.5): base64url JSON with the JWT encrypted under an AES
// key that is itself RSAES-PKCS1-v1_5 encrypted to the guest's ephemeral TPM key.
struct SealedToken {
  Bytes jwt_ciphertext;
  Bytes encrypted_inner_key;
  Bytes iv;   // 12 bytes
  Bytes tag;  // 16-byte GCM tag ("AuthenticationData")
  uint32_t key_size_bits = 256;
};
inline constexpr std::string_view kSealedTokenAad = "Transport Key";

std::string EncodeSealedToken(const SealedToken& sealed);
Result<SealedToken> ParseSealedToken(std::string_view token);

// MAA's side: encrypts `jwt` with AES-256-GCM under `aes_key` (32 bytes) and `iv` (12 bytes), AAD
// kSealedTokenAad, and the AES key with RSAES-PKCS1-v1_5 to the ephemeral key.
Result<SealedToken> SealJwt(std::string_view jwt, const crypto::PublicKey& ephemeral_key,
                            ByteView aes_key, ByteView iv);
// The guest's side: `decrypt_inner_key` undoes the RSAES encryption (in the TPM on a CVM).
Result<std::string> OpenSealedJwt(
    const SealedToken& sealed,
    const std::function<Result<Bytes>(ByteView encrypted_inner_key)>& decrypt_inner_key);

// The `{"token": ...}` response body of every attest call.
Result<std::string> ParseTokenResponse(std::string_view body);

}  // namespace skr::maa

#endif  // SKR_MAA_REQUESTS_H_
