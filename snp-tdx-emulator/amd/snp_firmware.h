// Emulated SEV-SNP firmware (the AMD-SP's MSG_REPORT_REQ): fills an ATTESTATION_REPORT with the
// guest's REPORT_DATA and signs it with the chip's VCEK (ECDSA P-384 / SHA-384 over [0, 0x2A0),
// r and s little-endian in 72-byte fields; evidence-formats.md 1.5), deterministically (RFC 6979).
// Every report field is settable through the template, as go-sev-guest's fake device.
#ifndef SKR_EMULATOR_AMD_SNP_FIRMWARE_H_
#define SKR_EMULATOR_AMD_SNP_FIRMWARE_H_

#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/snp/abi.h"
#include "snp-tdx-emulator/amd/root_of_trust.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"

namespace skr::emulator::amd {

// Writes the signature of `report` (whatever its fields) made with `vcek_key` into
// signature_r/_s and returns the 1184 bytes. The key must be ECDSA P-384.
Result<Bytes> SignSnpReport(const snp::SnpReport& report, const crypto::PrivateKey& vcek_key);

// A report template shaped like an Azure CVM's on `product` (evidence-formats.md 1.1, 1.3):
// version 3 with CPUID family/model/stepping of the product, POLICY 0x3001F (SMT, no debug, no
// migration agent), PLATFORM_INFO 0x25, VMPL 0, SIGNATURE_ALGO 1, REPORT_ID_MA all 0xFF,
// firmware 1.55.29, current = committed = launch = reported TCB (Milan/Genoa bl 3 tee 0 snp 8
// ucode 0x73; Turin fmc 0 bl 3 tee 0 snp 3 ucode 9), the given chip id, Azure-like family/image id.
snp::SnpReport AzureLikeReportTemplate(snp::Product product, ByteView chip_id);

// A deterministic CHIP_ID for an emulated machine: Drbg(seed, "amd/<line>/chip-id/<machine>");
// 64 bytes, or 8 significant bytes then zeros on Turin (evidence-formats.md 1.1).
Bytes DeriveChipId(ByteView seed, snp::Product product, std::string_view machine);

// One emulated chip: a template, the VCEK for its CHIP_ID and REPORTED_TCB, and a signer.
class SnpFirmware {
 public:
  // Issues the VCEK for template.chip_id / template.reported_tcb from `rot` (the template's
  // product must be rot's when the template's CPUID names one).
  static Result<SnpFirmware> Create(const AmdRootOfTrust& rot, snp::SnpReport report_template,
                                    std::time_t vcek_not_before = kDefaultVcekNotBefore);
  // Signs with a VLEK for `csp_id` and the template's REPORTED_TCB instead (AWS-style hosts);
  // KEY_INFO.SIGNING_KEY is set to 1.
  static Result<SnpFirmware> CreateWithVlek(const AmdRootOfTrust& rot,
                                            snp::SnpReport report_template, std::string_view csp_id,
                                            std::time_t vlek_not_before = kDefaultVcekNotBefore);

  const Vcek& vcek() const { return vcek_; }  // the VLEK for CreateWithVlek
  const snp::SnpReport& report_template() const { return template_; }
  // Changing the template's CHIP_ID or REPORTED_TCB without a new firmware gives reports that
  // no longer match the VCEK (useful for negative tests).
  snp::SnpReport& mutable_report_template() { return template_; }

  // MSG_REPORT_REQ: the template with REPORT_DATA (64 bytes) set, signed: 1184 bytes.
  Result<Bytes> GetReport(ByteView report_data) const;
  // Same, with an explicit report (every field as given), signed by this chip's VCEK.
  Result<Bytes> SignReport(const snp::SnpReport& report) const;

  // Adapter for the HCL generator (snp-tdx-emulator/hcl/hcl_generator.h). The signer holds a copy
  // of this firmware.
  HardwareReportSigner AsHardwareReportSigner() const;

 private:
  SnpFirmware(snp::SnpReport t, Vcek v) : template_(std::move(t)), vcek_(std::move(v)) {}
  snp::SnpReport template_;
  Vcek vcek_;
};

}  // namespace skr::emulator::amd

#endif  // SKR_EMULATOR_AMD_SNP_FIRMWARE_H_
