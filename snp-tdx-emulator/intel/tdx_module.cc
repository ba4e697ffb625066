#include "snp-tdx-emulator/intel/tdx_module.h"

#include <openssl/evp.h>

#include <algorithm>
#include <string>

#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/tdx/verify.h"

namespace skr::emulator::intel {
namespace {

constexpr size_t kMacCoveredSize = 0xE0;  // REPORTMACSTRUCT up to the MAC field

template <size_t N>
void CopyInto(const Bytes& from, tdx::Array<N>& to) {
  std::copy_n(from.begin(), N, to.begin());
}

}  // namespace

TdConfig TdConfigForSeed(ByteView seed) {
  TdConfig c;
  CopyInto(crypto::Sha384(Concat(AsBytes("skr-harness emulated TD image"), seed)), c.mr_td);
  return c;
}

Result<tdx::Array<32>> EmulatedReportMac(ByteView mac_key, const tdx::TdReport& report) {
  Bytes bytes = tdx::SerializeTdReport(report);
  tdx::Array<32> mac{};
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, mac_key.data(), mac_key.size(),
                bytes.data(), kMacCoveredSize, mac.data(), mac.size(), &len) == nullptr ||
      len != mac.size()) {
    return Internal("TDX module: HMAC-SHA-256 of the TDREPORT failed in OpenSSL");
  }
  return mac;
}

TdxModule::TdxModule(ByteView seed, TdConfig config)
    : mac_key_(crypto::Drbg(seed, "intel/tdx-module/report-mac-key").Generate(32)),
      config_(std::move(config)) {}

TdConfig TdxModule::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

Result<void> TdxModule::ExtendRtmr(int index, ByteView digest) {
  if (index < 0 || index > 3) {
    return InvalidArgument("TDX module: RTMR index " + std::to_string(index) +
                           " is out of range 0..3");
  }
  if (digest.size() != 48) {
    return InvalidArgument("TDX module: RTMR extend digest is " + std::to_string(digest.size()) +
                           " bytes, expected 48 (SHA-384)");
  }
  std::lock_guard<std::mutex> lock(mu_);
  tdx::Measurement& r = config_.rtmr[index];
  CopyInto(crypto::Sha384(Concat(r, digest)), r);
  return Ok();
}

Result<tdx::TdReport> TdxModule::Report(ByteView report_data) const {
  if (report_data.size() != 64) {
    return InvalidArgument("TDX module: REPORTDATA is " + std::to_string(report_data.size()) +
                           " bytes, expected 64");
  }
  const TdConfig c = config();
  tdx::TdReport t;
  t.mac_struct.cpu_svn = c.cpu_svn;
  std::copy(report_data.begin(), report_data.end(), t.mac_struct.report_data.begin());
  t.tee_tcb_info.valid = c.tee_tcb_info_valid;
  t.tee_tcb_info.tee_tcb_svn = c.tee_tcb_svn;
  t.tee_tcb_info.mr_seam = c.mr_seam;
  t.tee_tcb_info.mr_signer_seam = c.mr_signer_seam;
  t.tee_tcb_info.attributes = c.seam_attributes;
  t.tee_tcb_info.tee_tcb_svn2 = c.tee_tcb_svn2;
  t.td_info.attributes = c.td_attributes;
  t.td_info.xfam = c.xfam;
  t.td_info.mr_td = c.mr_td;
  t.td_info.mr_config_id = c.mr_config_id;
  t.td_info.mr_owner = c.mr_owner;
  t.td_info.mr_owner_config = c.mr_owner_config;
  t.td_info.rtmr = c.rtmr;
  t.td_info.servtd_hash = c.servtd_hash;
  CopyInto(crypto::Sha384(tdx::SerializeTeeTcbInfo(t.tee_tcb_info)),
           t.mac_struct.tee_tcb_info_hash);
  CopyInto(crypto::Sha384(tdx::SerializeTdInfo(t.td_info)), t.mac_struct.tee_info_hash);
  SKR_ASSIGN_OR_RETURN(t.mac_struct.mac, EmulatedReportMac(mac_key_, t));
  return t;
}

Result<Bytes> TdxModule::ReportBytes(ByteView report_data) const {
  SKR_ASSIGN_OR_RETURN(tdx::TdReport t, Report(report_data));
  return tdx::SerializeTdReport(t);
}

Result<void> TdxModule::VerifyReportMac(const tdx::TdReport& report) const {
  SKR_ASSIGN_OR_RETURN(tdx::Array<32> mac, EmulatedReportMac(mac_key_, report));
  if (mac != report.mac_struct.mac) {
    return VerificationFailed("TDREPORT: MAC " + encoding::HexEncode(report.mac_struct.mac) +
                              " is not this platform's (expected " + encoding::HexEncode(mac) +
                              "): the report was altered or comes from another TDX module");
  }
  // TEE_TCB_INFO / TDINFO changed after the MAC was computed.
  return tdx::VerifyTdReportHashes(report);
}

}  // namespace skr::emulator::intel
