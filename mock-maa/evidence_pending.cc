// TdxVm and AzureGuest evidence verification need libskr/tdx (TD quote verify) and libskr/tpm
// (TPMS_ATTEST / TPMT_PUBLIC, quote verify), which are not merged into this branch yet. Until
// they are, these requests are refused with an explicit Unsupported error (400 InvalidParameter
// naming the missing verifier) rather than answered with an unverified token.
#include "mock-maa/evidence.h"

namespace skr::maa {

Result<nlohmann::json> TdxVmRequestClaims(const nlohmann::json&, const EvidenceContext&) {
  return Unsupported(
      "TdxVm evidence verification is not available in this build of mock-maa "
      "(needs libskr/tdx)");
}

Result<AzureGuestResult> AzureGuestRequestClaims(const nlohmann::json&, const EvidenceContext&) {
  return Unsupported(
      "AzureGuest evidence verification is not available in this build of "
      "mock-maa (needs libskr/tpm)");
}

}  // namespace skr::maa
