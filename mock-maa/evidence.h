// Per-attestation-type evidence handling: decode the request body (skr-protocol.md 1.2-1.4),
// verify authenticity with libskr (snp/tdx/tpm) against the service's trust anchors at the
// service clock, check the runtime/init-time data bindings, and return the claim set the token is
// built from. One function per type: the seam between the HTTP/token side and the verifiers.
#ifndef SKR_MOCK_MAA_EVIDENCE_H_
#define SKR_MOCK_MAA_EVIDENCE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/keys.h"
#include "libskr/x509/certificate.h"

namespace skr::mock_maa {

struct EvidenceContext {
  int64_t now = 0;  // certificate chains are checked at this time
  std::vector<x509::Certificate> amd_roots;
  std::vector<x509::Certificate> intel_roots;
  std::vector<x509::Certificate> aik_roots;
  std::string compliance_status;
};

// --- request decoding helpers (request.cc) ---

// The member of `obj` named `name`, compared case-insensitively (the C++ guest library sends
// "AttestationInfo" where the spec says "attestationInfo", skr-protocol.md 1.4); nullptr if absent.
const nlohmann::json* FindMember(const nlohmann::json& obj, std::string_view name);
// A required string member decoded as base64 or base64url, padded or not (skr-protocol.md 6.1).
// Errors name the field.
Result<Bytes> DecodeBase64Member(const nlohmann::json& obj, std::string_view name,
                                 std::string_view context);

// runtimeData / initTimeData: {"data": base64url, "dataType": "JSON"|"Binary"}.
struct DataField {
  Bytes data;
  bool is_json = false;
  nlohmann::json parsed;  // the object when is_json
};
Result<std::optional<DataField>> ParseDataField(const nlohmann::json& req, std::string_view name);

// The "nonce" member echoed as the token's "nonce": a string as is, an unsigned integer as its
// decimal text (the sidecar sends a uint64, skr-protocol.md 6.8); nullopt when absent.
Result<std::optional<std::string>> ParseNonce(const nlohmann::json& req);

// PUT /policies body: a JWS (signed or alg "none") whose payload is {"AttestationPolicy":
// base64url(text)}, or the policy text itself (skr-protocol.md 1.1).
Result<std::string> PolicyTextFromBody(std::string_view body);

// --- per type ---

// POST /attest/SevSnpVm: report = base64url(JSON {SnpReport, VcekCertChain, Endorsements?});
// VCEK chain to a trusted ARK, report signature, SHA-256(runtimeData) == REPORT_DATA[0:32] with
// REPORT_DATA[32:64] zero, SHA-256(initTimeData) == HOST_DATA. Returns the token claims
// (x-ms-attestation-type "sevsnpvm", x-ms-sevsnpvm-*, x-ms-compliance-status, x-ms-runtime,
// x-ms-inittime, nonce); the common claims are added by the token issuer.
Result<nlohmann::json> SevSnpVmRequestClaims(const nlohmann::json& req, const EvidenceContext& ctx);

// POST /attest/TdxVm: quote = base64url(TD quote); quote verified to a trusted Intel root,
// SHA-256(runtimeData) == REPORT_DATA[0:32], SHA-384(initTimeData) == MRCONFIGID.
Result<nlohmann::json> TdxVmRequestClaims(const nlohmann::json& req, const EvidenceContext& ctx);

// POST /attest/AzureGuest: claims plus the TPM ephemeral key the sealed response goes to.
struct AzureGuestResult {
  nlohmann::json claims;
  crypto::PublicKey encryption_key;
};
Result<AzureGuestResult> AzureGuestRequestClaims(const nlohmann::json& req,
                                                 const EvidenceContext& ctx);

// --- sealed AzureGuest response (sealed.cc, skr-protocol.md 1.5) ---

// base64url(JSON {Jwt, EncryptedInnerKey, EncryptionParams{...}, AuthenticationData}): a fresh
// AES-256 key and 12-byte IV from `drbg`, AES-GCM over the JWT text with AAD "Transport Key",
// the key RSAES-PKCS1-v1_5-encrypted to `encryption_key`.
Result<std::string> SealToken(std::string_view jwt, const crypto::PublicKey& encryption_key,
                              crypto::Drbg& drbg);
// The inverse, as the guest does it in the vTPM (for tests and the client).
Result<std::string> UnsealToken(std::string_view sealed, const crypto::PrivateKey& decryption_key);

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_EVIDENCE_H_
