// Policy over an authentic TD quote (evidence-formats.md 3.5 step 6), as go-tdx-guest `validate`:
// exact values for measurements and report data, floors for SVNs, masks for attributes and XFAM.
// Call only on the result of VerifyQuote; this checks nothing about authenticity.
#ifndef SKR_TDX_VALIDATE_H_
#define SKR_TDX_VALIDATE_H_

#include <array>
#include <cstdint>
#include <optional>

#include "libskr/base/result.h"
#include "libskr/tdx/abi.h"
#include "libskr/tdx/pck.h"

namespace skr::tdx {

struct ValidationPolicy {
  // TD attributes bit 0 (DEBUG): a debuggable TD's memory is readable by the host.
  bool allow_debug = false;
  // (td_attributes & td_attributes_mask) must equal td_attributes_value (both 0: no check).
  uint64_t td_attributes_mask = 0;
  uint64_t td_attributes_value = 0;
  // (xfam & xfam_mask) must equal xfam_value (both 0: no check).
  uint64_t xfam_mask = 0;
  uint64_t xfam_value = 0;

  // Exact values; unset = not checked.
  std::optional<Measurement> mr_seam;
  std::optional<Measurement> mr_td;
  std::optional<Measurement> mr_config_id;
  std::optional<Measurement> mr_owner;
  std::optional<Measurement> mr_owner_config;
  std::array<std::optional<Measurement>, 4> rtmr;
  std::optional<ReportData> report_data;
  std::optional<Array<16>> qe_vendor_id;
  std::optional<Array<6>> fmspc;  // from the PCK extension

  // Component-wise floors (each of the 16 bytes >= the policy's byte).
  std::optional<TcbSvn> min_tee_tcb_svn;
  // The PCE SVN of the PCK certificate's TCB (the header's 0x08 field is 0 on TDX).
  std::optional<uint16_t> min_pce_svn;
  // The QE's ISVSVN from its report (3.4; TD QE identity has ISVSVN 4-7).
  std::optional<uint16_t> min_qe_svn;
};

// All violations, joined: "MRTD is <hex>, required <hex>; TDATTRIBUTES.DEBUG is set, not allowed".
// ErrorCode::kPolicyViolation. `pck` is needed only when the policy checks fmspc or min_pce_svn
// (InvalidArgument if it is then null).
Result<void> ValidateQuote(const TdQuote& quote, const ValidationPolicy& policy,
                           const PckExtensions* pck = nullptr);

}  // namespace skr::tdx

#endif  // SKR_TDX_VALIDATE_H_
