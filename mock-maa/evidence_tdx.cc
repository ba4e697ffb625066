// POST /attest/TdxVm evidence (skr-protocol.md 1.3).
#include <algorithm>

#include "libskr/crypto/digest.h"
#include "libskr/encoding/encoding.h"
#include "libskr/tdx/verify.h"
#include "mock-maa/claims.h"
#include "mock-maa/evidence.h"
#include "mock-maa/evidence_internal.h"

namespace skr::mock_maa {

using nlohmann::json;

Result<tdx::TdQuote> VerifyTdxEvidence(ByteView quote_bytes, const EvidenceContext& ctx) {
  if (ctx.intel_roots.empty()) {
    return VerificationFailed(
        "no Intel SGX root is trusted by this service (configure "
        "intel_roots)");
  }
  tdx::VerifyOptions opts;
  opts.trusted_roots = ctx.intel_roots;
  opts.time = static_cast<std::time_t>(ctx.now);
  SKR_ASSIGN_OR_RETURN(tdx::VerifiedQuote v, tdx::VerifyQuote(quote_bytes, opts));
  return v.quote;
}

Result<json> TdxVmRequestClaims(const json& req, const EvidenceContext& ctx) {
  SKR_ASSIGN_OR_RETURN(Bytes quote_bytes, DecodeBase64Member(req, "quote", "request"));
  SKR_ASSIGN_OR_RETURN(std::optional<DataField> runtime, ParseDataField(req, "runtimeData"));
  SKR_ASSIGN_OR_RETURN(std::optional<DataField> init_time, ParseDataField(req, "initTimeData"));
  SKR_ASSIGN_OR_RETURN(std::optional<std::string> nonce, ParseNonce(req));
  SKR_ASSIGN_OR_RETURN(tdx::TdQuote quote, VerifyTdxEvidence(quote_bytes, ctx));
  SKR_RETURN_IF_ERROR(CheckRuntimeBinding(quote.body.report_data, runtime, "REPORTDATA"));
  if (init_time) {
    // SHA-256(initTimeData) in MRCONFIGID[0:32] (the SNP HOST_DATA analogue; which bytes MAA
    // compares is UNCONFIRMED, README).
    Bytes h = crypto::Sha256(init_time->data);
    if (!std::equal(h.begin(), h.end(), quote.body.mr_config_id.begin())) {
      return VerificationFailed("initTimeData does not match the quote: SHA-256(initTimeData) = " +
                                encoding::HexEncode(h) + " but MRCONFIGID = " +
                                encoding::HexEncode(quote.body.mr_config_id));
    }
  }
  json claims = TdxVmClaims(quote.body);
  claims["x-ms-attestation-type"] = "tdxvm";
  claims["x-ms-compliance-status"] = ctx.compliance_status;
  AddDataClaims(claims, runtime, init_time);
  if (nonce) claims["nonce"] = *nonce;
  return claims;
}

}  // namespace skr::mock_maa
