#include "libskr/hcl/verify.h"

#include "libskr/encoding/encoding.h"

namespace skr::hcl {

Result<ByteView> ReportData(const HclReport& report) {
  size_t offset;
  switch (report.report_type) {
    case ReportType::kSnp:
      offset = kSnpReportDataOffset;
      break;
    case ReportType::kTdx:
      offset = kTdReportDataOffset;
      break;
    default:
      return Unsupported("HCL report type " + std::string(ReportTypeName(report.report_type)) +
                         ": REPORT_DATA location unknown (SNP and TDX supported)");
  }
  ByteReader r(report.hw_report, "HCL hardware report");
  return r.Slice(offset, kReportDataSize, "REPORT_DATA");
}

Result<Bytes> ExpectedReportData(ClaimsHashType hash_type, ByteView runtime_claims) {
  SKR_ASSIGN_OR_RETURN(crypto::HashAlg alg, HashAlgOf(hash_type));
  Bytes out = crypto::Digest(alg, runtime_claims);
  out.resize(kReportDataSize, 0);
  return out;
}

Result<void> VerifyRuntimeClaimsBinding(const HclReport& report) {
  SKR_ASSIGN_OR_RETURN(ByteView report_data, ReportData(report));
  SKR_ASSIGN_OR_RETURN(Bytes expected, ExpectedReportData(report.hash_type, report.runtime_claims));
  if (!encoding::ConstantTimeEquals(report_data, expected)) {
    SKR_ASSIGN_OR_RETURN(crypto::HashAlg alg, HashAlgOf(report.hash_type));
    return VerificationFailed(
        "HCL runtime claims are not bound to the " +
        std::string(ReportTypeName(report.report_type)) + " report: REPORT_DATA is " +
        encoding::HexEncode(report_data) + " but " + std::string(crypto::HashAlgName(alg)) +
        "(runtime claims) padded with zeros is " + encoding::HexEncode(expected) +
        " (claims modified, or report from another VM?)");
  }
  return Ok();
}

}  // namespace skr::hcl
