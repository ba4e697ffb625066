// Pieces shared by the per-type evidence handlers (not part of the public API).
#ifndef SKR_MOCK_MAA_EVIDENCE_INTERNAL_H_
#define SKR_MOCK_MAA_EVIDENCE_INTERNAL_H_

#include "libskr/snp/abi.h"
#include "libskr/tdx/abi.h"
#include "mock-maa/evidence.h"

namespace skr::mock_maa {

struct VerifiedSnp {
  snp::SnpReport report;
  snp::Product product;
};
// SNP report + PEM chain (VCEK first, then ASK and ARK in any order) verified at ctx.now against
// ctx.amd_roots.
Result<VerifiedSnp> VerifySnpEvidence(ByteView report_bytes, std::string_view vcek_chain_pem,
                                      const EvidenceContext& ctx);
// TD quote verified at ctx.now to one of ctx.intel_roots (PCK chain, QE report, quote signature).
Result<tdx::TdQuote> VerifyTdxEvidence(ByteView quote_bytes, const EvidenceContext& ctx);
// SHA-256(runtime data) == report_data[0:32] and report_data[32:64] zero (skr-protocol.md 1.2).
Result<void> CheckRuntimeBinding(ByteView report_data, const std::optional<DataField>& runtime,
                                 std::string_view field_name);
// x-ms-runtime / x-ms-inittime from JSON-typed data.
void AddDataClaims(nlohmann::json& claims, const std::optional<DataField>& runtime,
                   const std::optional<DataField>& init_time);

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_EVIDENCE_INTERNAL_H_
