// Produces Azure HCL reports the way the paravisor does (evidence-formats.md 2.2-2.5): runtime
// claims JSON with the vTPM's AK and EK and the guest's user data, hashed into REPORT_DATA of a
// freshly signed hardware report, laid out as NV index 0x01400001 holds it.
#ifndef SKR_EMULATOR_HCL_HCL_GENERATOR_H_
#define SKR_EMULATOR_HCL_HCL_GENERATOR_H_

#include <functional>
#include <optional>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/hcl/report.h"

namespace skr::emulator {

// "vm-configuration" of the runtime claims; field names and order as on Azure
// (evidence-formats.md 2.4).
struct VmConfiguration {
  bool console_enabled = true;
  std::optional<std::string> root_cert_thumbprint;  // present on TDX and Genoa (header v2) VMs
  bool secure_boot = true;
  bool tpm_enabled = true;
  std::optional<bool> tpm_persisted;
  std::string vm_unique_id;  // upper-case GUID
};

// Signs a hardware report that carries `report_data` (64 bytes): returns the 1184-byte SNP report
// or the 1024-byte TDREPORT.
using HardwareReportSigner = std::function<Result<Bytes>(ByteView report_data)>;

struct HclGeneratorOptions {
  hcl::ReportType report_type = hcl::ReportType::kSnp;
  uint32_t header_version = 2;
  VmConfiguration vm;
  Bytes ak_modulus;  // RSA-2048 modulus of the vTPM AK (HCLAkPub), big-endian
  Bytes ek_modulus;  // RSA-2048 modulus of the vTPM EK (HCLEkPub)
  HardwareReportSigner signer;
  size_t nv_size = hcl::kAzureNvSize;
};

// The runtime claims bytes, compact, with Azure's member order.
Bytes RuntimeClaimsJson(const HclGeneratorOptions& options, ByteView user_data);

// A complete NV image for 0x01400001 whose hardware report binds these claims. `user_data` is the
// 64 bytes of NV 0x01400002 (all zero before the guest writes).
Result<Bytes> GenerateHclReport(const HclGeneratorOptions& options, ByteView user_data);

}  // namespace skr::emulator

#endif  // SKR_EMULATOR_HCL_HCL_GENERATOR_H_
