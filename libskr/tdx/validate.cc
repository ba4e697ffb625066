#include "libskr/tdx/validate.h"

#include <string>
#include <vector>

#include "libskr/encoding/encoding.h"

namespace skr::tdx {
namespace {

std::string Hex(ByteView b) { return encoding::HexEncode(b); }

}  // namespace

Result<void> ValidateQuote(const TdQuote& quote, const ValidationPolicy& policy,
                           const PckExtensions* pck) {
  if ((policy.fmspc || policy.min_pce_svn) && pck == nullptr) {
    return InvalidArgument(
        "TD quote policy checks FMSPC or PCE SVN but no PCK extensions were given; pass "
        "VerifiedQuote::pck");
  }
  const TdQuoteBody& b = quote.body;
  std::vector<std::string> v;
  auto exact = [&v](std::string_view field, ByteView found, ByteView required) {
    if (!std::equal(found.begin(), found.end(), required.begin(), required.end())) {
      v.push_back(std::string(field) + " is " + Hex(found) + ", required " + Hex(required));
    }
  };
  if (!policy.allow_debug && (b.td_attributes & kTdAttributeDebug)) {
    v.push_back("TDATTRIBUTES.DEBUG is set (TDATTRIBUTES " + HexOffset(b.td_attributes) +
                "), not allowed by the policy");
  }
  if ((b.td_attributes & policy.td_attributes_mask) != policy.td_attributes_value) {
    v.push_back("TDATTRIBUTES is " + HexOffset(b.td_attributes) + ", required (& " +
                HexOffset(policy.td_attributes_mask) +
                ") == " + HexOffset(policy.td_attributes_value));
  }
  if ((b.xfam & policy.xfam_mask) != policy.xfam_value) {
    v.push_back("XFAM is " + HexOffset(b.xfam) + ", required (& " + HexOffset(policy.xfam_mask) +
                ") == " + HexOffset(policy.xfam_value));
  }
  if (policy.mr_seam) exact("MRSEAM", b.mr_seam, *policy.mr_seam);
  if (policy.mr_td) exact("MRTD", b.mr_td, *policy.mr_td);
  if (policy.mr_config_id) exact("MRCONFIGID", b.mr_config_id, *policy.mr_config_id);
  if (policy.mr_owner) exact("MROWNER", b.mr_owner, *policy.mr_owner);
  if (policy.mr_owner_config) exact("MROWNERCONFIG", b.mr_owner_config, *policy.mr_owner_config);
  for (int i = 0; i < 4; ++i) {
    if (policy.rtmr[i]) exact("RTMR" + std::to_string(i), b.rtmr[i], *policy.rtmr[i]);
  }
  if (policy.report_data) exact("REPORTDATA", b.report_data, *policy.report_data);
  if (policy.qe_vendor_id) exact("QE vendor id", quote.header.qe_vendor_id, *policy.qe_vendor_id);
  if (policy.fmspc) exact("FMSPC", pck->fmspc, *policy.fmspc);
  if (policy.min_tee_tcb_svn) {
    for (size_t i = 0; i < b.tee_tcb_svn.size(); ++i) {
      if (b.tee_tcb_svn[i] < (*policy.min_tee_tcb_svn)[i]) {
        v.push_back("TEE_TCB_SVN is " + Hex(b.tee_tcb_svn) +
                    ", required >= " + Hex(*policy.min_tee_tcb_svn) + " component-wise (byte " +
                    std::to_string(i) + " is " + std::to_string(b.tee_tcb_svn[i]) + " < " +
                    std::to_string((*policy.min_tee_tcb_svn)[i]) + ")");
        break;
      }
    }
  }
  if (policy.min_pce_svn && pck->tcb.pce_svn < *policy.min_pce_svn) {
    v.push_back("PCE SVN (PCK certificate TCB) is " + std::to_string(pck->tcb.pce_svn) +
                ", required >= " + std::to_string(*policy.min_pce_svn));
  }
  uint16_t qe_svn = quote.signature_data.qe_cert_data.qe_report.isv_svn;
  if (policy.min_qe_svn && qe_svn < *policy.min_qe_svn) {
    v.push_back("QE SVN (QE report ISVSVN) is " + std::to_string(qe_svn) +
                ", required >= " + std::to_string(*policy.min_qe_svn));
  }
  if (v.empty()) return Ok();
  std::string msg = "TD quote violates the policy: ";
  for (size_t i = 0; i < v.size(); ++i) msg += (i ? "; " : "") + v[i];
  return PolicyViolation(msg);
}

}  // namespace skr::tdx
