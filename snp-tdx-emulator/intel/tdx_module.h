// Emulated Intel TDX module: produces the 1024-byte TDREPORT (TDG.MR.REPORT, evidence-formats.md
// 3.1) of one TD, and extends its RTMRs (TDG.MR.RTMR.EXTEND).
//
// The real REPORTMACSTRUCT.MAC is a CPU-bound MAC only verifiable on the same platform (its
// algorithm is not public). Here MAC = HMAC-SHA-256(K, TDREPORT[0x00..0xE0)) with
// K = Drbg(seed, "intel/tdx-module/report-mac-key") (32 bytes). The covered bytes include
// TEE_TCB_INFO_HASH and TEE_INFO_HASH, so the MAC covers the whole report, as on hardware; the
// emulated Quoting Enclave (same seed) checks it before quoting, as the real QE does.
#ifndef SKR_EMULATOR_INTEL_TDX_MODULE_H_
#define SKR_EMULATOR_INTEL_TDX_MODULE_H_

#include <array>
#include <cstdint>
#include <mutex>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/tdx/abi.h"

namespace skr::emulator::intel {

// What the TDX module reports about the TD and itself. Defaults are those of the real Azure
// TDREPORT in evidence-samples/trustee/az-tdx-vtpm (TDX module 1.5 on Sapphire Rapids), except
// mr_td, which is the caller's (TdConfigForSeed derives one).
struct TdConfig {
  tdx::TcbSvn cpu_svn = {0x06, 0x06, 0x13, 0x15, 0x03, 0xff, 0x00, 0x03};
  tdx::Array<8> tee_tcb_info_valid = {0xff, 0x01, 0x03};
  tdx::TcbSvn tee_tcb_svn = {0x02, 0x01, 0x06};
  tdx::TcbSvn tee_tcb_svn2 = {0x02, 0x01, 0x06};
  tdx::Measurement mr_seam = {0x36, 0x03, 0x04, 0xd3, 0x4a, 0x16, 0xaa, 0xce, 0x0a, 0x18,
                              0xe0, 0x9a, 0xd2, 0xd0, 0x7d, 0x2b, 0x9f, 0xd3, 0xc1, 0x74,
                              0x37, 0x8e, 0x5b, 0xf1, 0x08, 0x38, 0x80, 0x79, 0x82, 0x7f,
                              0x89, 0xff, 0x62, 0xac, 0xc5, 0xf8, 0xc4, 0x73, 0xdd, 0x40,
                              0x70, 0x63, 0x24, 0x83, 0x4e, 0x20, 0x29, 0x46};
  tdx::Measurement mr_signer_seam{};  // zero: the module is Intel-signed
  tdx::Array<8> seam_attributes{};
  uint64_t td_attributes = 0;  // bit 0 = DEBUG
  uint64_t xfam = 0x618E7;
  tdx::Measurement mr_td{};
  tdx::Measurement mr_config_id{};
  tdx::Measurement mr_owner{};
  tdx::Measurement mr_owner_config{};
  std::array<tdx::Measurement, 4> rtmr{};  // Azure leaves them zero
  tdx::Measurement servtd_hash{};
};

// The defaults with MRTD = SHA-384("skr-harness emulated TD image" || seed): a stable,
// seed-specific measurement of an imaginary TD image.
TdConfig TdConfigForSeed(ByteView seed);

// Thread-safe: RTMR extensions and reports may come from different threads (vTPM server, IMDS).
class TdxModule {
 public:
  TdxModule(ByteView seed, TdConfig config);

  TdConfig config() const;  // a snapshot, including the current RTMRs
  // TDG.MR.RTMR.EXTEND: rtmr[index] = SHA-384(rtmr[index] || digest), digest 48 bytes.
  Result<void> ExtendRtmr(int index, ByteView digest);

  // TDG.MR.REPORT with this REPORTDATA (64 bytes): the TDREPORT, hashes and MAC filled in.
  Result<tdx::TdReport> Report(ByteView report_data) const;
  Result<Bytes> ReportBytes(ByteView report_data) const;

  // Checks the MAC (and that the hashes match the contents), as EVERIFYREPORT2 does for the QE.
  Result<void> VerifyReportMac(const tdx::TdReport& report) const;

 private:
  const Bytes mac_key_;
  mutable std::mutex mu_;
  TdConfig config_;  // guarded by mu_
};

// HMAC-SHA-256(key, TDREPORT[0..0xE0)) of a serialized report, the emulated MAC.
Result<tdx::Array<32>> EmulatedReportMac(ByteView mac_key, const tdx::TdReport& report);

}  // namespace skr::emulator::intel

#endif  // SKR_EMULATOR_INTEL_TDX_MODULE_H_
