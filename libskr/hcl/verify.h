// Authenticity checks of an HCL report that need no hardware keys: the runtime-claims binding.
// The hardware report's own signature is verified by snp/verify.h (SNP) or, through the TD quote,
// tdx/verify.h (TDX).
#ifndef SKR_HCL_VERIFY_H_
#define SKR_HCL_VERIFY_H_

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/hcl/report.h"

namespace skr::hcl {

// Offsets of REPORT_DATA inside the hardware report (evidence-formats.md 2.3).
inline constexpr size_t kSnpReportDataOffset = 0x50;
inline constexpr size_t kTdReportDataOffset = 0x80;
inline constexpr size_t kReportDataSize = 64;

// The 64-byte REPORT_DATA of the hardware report area (SNP or TDX).
Result<ByteView> ReportData(const HclReport& report);

// REPORT_DATA == hash(runtime claims) followed by zero bytes (evidence-formats.md 2.3): the claims
// (and so HCLAkPub and user-data) are what the hardware signed.
Result<void> VerifyRuntimeClaimsBinding(const HclReport& report);

// The REPORT_DATA a hardware report must carry for these claims (what the emulator puts there).
Result<Bytes> ExpectedReportData(ClaimsHashType hash_type, ByteView runtime_claims);

}  // namespace skr::hcl

#endif  // SKR_HCL_VERIFY_H_
