#include "snp-tdx-emulator/hcl/hcl_generator.h"

#include <nlohmann/json.hpp>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/verify.h"

namespace skr::emulator {
namespace {

constexpr size_t kUserDataSize = 64;

// Member order matches real reports: kid, key_ops, kty, e, n (evidence-formats.md 2.4).
nlohmann::ordered_json RsaKeyClaim(std::string_view kid, std::string_view op, ByteView modulus) {
  nlohmann::ordered_json k;
  k["kid"] = kid;
  k["key_ops"] = {op};
  k["kty"] = "RSA";
  k["e"] = "AQAB";
  k["n"] = encoding::Base64UrlEncode(modulus);
  return k;
}

}  // namespace

Bytes RuntimeClaimsJson(const HclGeneratorOptions& options, ByteView user_data) {
  nlohmann::ordered_json claims;
  claims["keys"] = {RsaKeyClaim("HCLAkPub", "sign", options.ak_modulus),
                    RsaKeyClaim("HCLEkPub", "encrypt", options.ek_modulus)};
  nlohmann::ordered_json vm;
  vm["console-enabled"] = options.vm.console_enabled;
  if (options.vm.root_cert_thumbprint)
    vm["root-cert-thumbprint"] = *options.vm.root_cert_thumbprint;
  vm["secure-boot"] = options.vm.secure_boot;
  vm["tpm-enabled"] = options.vm.tpm_enabled;
  if (options.vm.tpm_persisted) vm["tpm-persisted"] = *options.vm.tpm_persisted;
  vm["vmUniqueId"] = options.vm.vm_unique_id;
  claims["vm-configuration"] = vm;
  claims["user-data"] = encoding::HexEncodeUpper(user_data);
  std::string text = claims.dump();
  return Bytes(text.begin(), text.end());
}

Result<Bytes> GenerateHclReport(const HclGeneratorOptions& options, ByteView user_data) {
  if (user_data.size() != kUserDataSize) {
    return InvalidArgument("HCL user data must be 64 bytes (NV 0x01400002), got " +
                           std::to_string(user_data.size()));
  }
  if (!options.signer) return InvalidArgument("HCL generator needs a hardware report signer");
  if (options.ak_modulus.empty() || options.ek_modulus.empty()) {
    return InvalidArgument("HCL generator needs the vTPM AK and EK moduli (HCLAkPub, HCLEkPub)");
  }
  hcl::HclReport report;
  report.header_version = options.header_version;
  report.report_type = options.report_type;
  report.runtime_claims = RuntimeClaimsJson(options, user_data);
  SKR_ASSIGN_OR_RETURN(Bytes report_data,
                       hcl::ExpectedReportData(report.hash_type, report.runtime_claims));
  SKR_ASSIGN_OR_RETURN(Bytes hw, options.signer(report_data));
  size_t want =
      options.report_type == hcl::ReportType::kTdx ? hcl::kTdReportSize : hcl::kHwReportSize;
  if (hw.size() != want) {
    return Internal("hardware report signer returned " + std::to_string(hw.size()) +
                    " bytes, expected " + std::to_string(want));
  }
  std::copy(hw.begin(), hw.end(), report.hw_report.begin());  // TDREPORT: rest stays zero padding
  // The signer is trusted to have put report_data where the format says; check it, since a report
  // that does not bind its claims would fail every verifier far from the cause.
  SKR_RETURN_IF_ERROR(hcl::VerifyRuntimeClaimsBinding(report));
  return hcl::SerializeHclReport(report, options.nv_size);
}

}  // namespace skr::emulator
