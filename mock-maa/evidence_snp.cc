// POST /attest/SevSnpVm evidence (skr-protocol.md 1.2).
#include <algorithm>

#include "libskr/crypto/digest.h"
#include "libskr/encoding/encoding.h"
#include "libskr/snp/verify.h"
#include "mock-maa/claims.h"
#include "mock-maa/evidence.h"
#include "mock-maa/evidence_internal.h"

namespace skr::mock_maa {

using nlohmann::json;

Result<VerifiedSnp> VerifySnpEvidence(ByteView report_bytes, std::string_view vcek_chain_pem,
                                      const EvidenceContext& ctx) {
  auto certs = x509::CertificatesFromPem(vcek_chain_pem);
  if (!certs.ok()) return Malformed("VcekCertChain: " + certs.error().message());
  if (certs->size() < 3) {
    return Malformed("VcekCertChain holds " + std::to_string(certs->size()) +
                     " certificate(s); expected VCEK, ASK and ARK (THIM vcekCert + "
                     "certificateChain)");
  }
  std::vector<x509::Certificate> bundle(certs->begin() + 1, certs->end());
  SKR_ASSIGN_OR_RETURN(snp::CertificateChain chain, snp::ChainFromBundle((*certs)[0], bundle));
  if (ctx.amd_roots.empty()) {
    return VerificationFailed("no AMD root is trusted by this service (configure amd_roots)");
  }
  snp::VerifyOptions opts;
  opts.trusted_roots = ctx.amd_roots;
  opts.time = static_cast<std::time_t>(ctx.now);
  SKR_ASSIGN_OR_RETURN(snp::SnpReport report, snp::VerifyAttestation(report_bytes, chain, opts));
  SKR_ASSIGN_OR_RETURN(snp::VcekExtensions ext, snp::ParseVcekExtensions(chain.vcek));
  return VerifiedSnp{report, ext.product};
}

Result<void> CheckRuntimeBinding(ByteView report_data, const std::optional<DataField>& runtime,
                                 std::string_view field_name) {
  if (!runtime) return Ok();
  Bytes h = crypto::Sha256(runtime->data);
  if (!std::equal(h.begin(), h.end(), report_data.begin())) {
    return VerificationFailed("runtimeData does not match the report: SHA-256(runtimeData) = " +
                              encoding::HexEncode(h) + " but " + std::string(field_name) +
                              "[0:32] = " + encoding::HexEncode(report_data.subspan(0, 32)));
  }
  if (!IsAllZero(report_data.subspan(32, 32))) {
    return VerificationFailed(std::string(field_name) +
                              "[32:64] must be zero when runtimeData "
                              "is bound, found " +
                              encoding::HexEncode(report_data.subspan(32, 32)));
  }
  return Ok();
}

void AddDataClaims(json& claims, const std::optional<DataField>& runtime,
                   const std::optional<DataField>& init_time) {
  if (runtime && runtime->is_json) claims["x-ms-runtime"] = runtime->parsed;
  if (init_time && init_time->is_json) claims["x-ms-inittime"] = init_time->parsed;
}

Result<json> SevSnpVmRequestClaims(const json& req, const EvidenceContext& ctx) {
  SKR_ASSIGN_OR_RETURN(Bytes report_json, DecodeBase64Member(req, "report", "request"));
  json inner = json::parse(report_json.begin(), report_json.end(), nullptr, false);
  if (inner.is_discarded() || !inner.is_object()) {
    return Malformed(
        "request.report must be base64url of a JSON object {SnpReport, "
        "VcekCertChain}");
  }
  SKR_ASSIGN_OR_RETURN(Bytes report_bytes, DecodeBase64Member(inner, "SnpReport", "report"));
  SKR_ASSIGN_OR_RETURN(Bytes chain_pem, DecodeBase64Member(inner, "VcekCertChain", "report"));
  SKR_ASSIGN_OR_RETURN(std::optional<DataField> runtime, ParseDataField(req, "runtimeData"));
  SKR_ASSIGN_OR_RETURN(std::optional<DataField> init_time, ParseDataField(req, "initTimeData"));
  SKR_ASSIGN_OR_RETURN(std::optional<std::string> nonce, ParseNonce(req));

  SKR_ASSIGN_OR_RETURN(VerifiedSnp v, VerifySnpEvidence(report_bytes, AsString(chain_pem), ctx));
  SKR_RETURN_IF_ERROR(CheckRuntimeBinding(v.report.report_data, runtime, "REPORT_DATA"));
  if (init_time) {
    Bytes h = crypto::Sha256(init_time->data);
    if (!std::equal(h.begin(), h.end(), v.report.host_data.begin())) {
      return VerificationFailed("initTimeData does not match the report: SHA-256(initTimeData) = " +
                                encoding::HexEncode(h) +
                                " but HOST_DATA = " + encoding::HexEncode(v.report.host_data));
    }
  }
  json claims = SevSnpVmClaims(v.report, v.product);
  claims["x-ms-attestation-type"] = "sevsnpvm";
  claims["x-ms-compliance-status"] = ctx.compliance_status;
  AddDataClaims(claims, runtime, init_time);
  if (nonce) claims["nonce"] = *nonce;
  return claims;
}

}  // namespace skr::mock_maa
