#include "snp-tdx-emulator/amd/snp_firmware.h"

#include <algorithm>
#include <cctype>

#include "libskr/crypto/deterministic_signature.h"
#include "libskr/crypto/drbg.h"

namespace skr::emulator::amd {

using snp::Product;

Result<Bytes> SignSnpReport(const snp::SnpReport& report, const crypto::PrivateKey& vcek_key) {
  auto ec = vcek_key.public_key().Ec();
  if (!ec.ok() || ec->curve != crypto::Curve::kP384) {
    return InvalidArgument("SignSnpReport: the VCEK key must be ECDSA P-384");
  }
  snp::SnpReport out = report;
  out.signature_r.fill(0);
  out.signature_s.fill(0);
  Bytes bytes = snp::SerializeSnpReport(out);
  SKR_ASSIGN_OR_RETURN(
      Bytes rs, crypto::SignEcdsaP1363Deterministic(vcek_key, crypto::HashAlg::kSha384,
                                                    ByteView(bytes).subspan(0, snp::kSignedSize)));
  // r and s: 48 bytes big-endian each -> little-endian, zero-extended to 72 (evidence-formats.md
  // 1.5; go-sev-guest bigIntToAMDRS).
  std::reverse_copy(rs.begin(), rs.begin() + 48, out.signature_r.begin());
  std::reverse_copy(rs.begin() + 48, rs.end(), out.signature_s.begin());
  return snp::SerializeSnpReport(out);
}

snp::SnpReport AzureLikeReportTemplate(Product product, ByteView chip_id) {
  snp::SnpReport r;
  r.version = 3;
  r.guest_svn = 7;
  r.policy = 0x3001F;
  r.family_id[0] = 0x01;
  r.image_id[0] = 0x02;
  r.vmpl = 0;
  r.signature_algo = snp::kSignatureAlgoEcdsaP384Sha384;
  r.platform_info = 0x25;
  r.set_key_info(false, false, snp::SigningKey::kVcek);
  r.report_id_ma.fill(0xFF);
  switch (product) {
    case Product::kGenoa:
      r.cpuid_fam_id = 0x19;
      r.cpuid_mod_id = 0x11;
      r.cpuid_step = 0x01;
      break;
    case Product::kTurin:
      r.cpuid_fam_id = 0x1A;
      r.cpuid_mod_id = 0x02;
      r.cpuid_step = 0x01;
      break;
    default:
      r.cpuid_fam_id = 0x19;
      r.cpuid_mod_id = 0x01;
      r.cpuid_step = 0x01;
      break;
  }
  const snp::TcbParts tcb = snp::UsesTurinTcbLayout(product) ? snp::TcbParts{0, 3, 0, 3, 9}
                                                             : snp::TcbParts{0, 3, 0, 8, 0x73};
  r.reported_tcb = snp::TcbVersion::FromParts(product, tcb);
  r.current_tcb = r.committed_tcb = r.launch_tcb = r.reported_tcb;
  std::copy_n(chip_id.begin(), std::min<size_t>(chip_id.size(), 64), r.chip_id.begin());
  r.current_major = r.committed_major = 1;
  r.current_minor = r.committed_minor = 55;
  r.current_build = r.committed_build = 29;
  // A stable ID key digest as Azure's HCL images have (evidence-formats.md 1.1).
  r.id_key_digest.fill(0);
  r.id_key_digest[0] = 0x03;
  r.id_key_digest[1] = 0x56;
  return r;
}

Bytes DeriveChipId(ByteView seed, Product product, std::string_view machine) {
  std::string line(snp::ProductName(product));
  std::transform(line.begin(), line.end(), line.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  crypto::Drbg drbg(seed, "amd/" + line + "/chip-id/" + std::string(machine));
  Bytes chip = drbg.Generate(64);
  if (snp::UsesTurinTcbLayout(product)) std::fill(chip.begin() + 8, chip.end(), 0);
  return chip;
}

namespace {
Result<void> CheckProduct(const AmdRootOfTrust& rot, const snp::SnpReport& t) {
  const Product from_cpuid = t.ProductFromReport();
  if (t.version >= 3 && from_cpuid != rot.product()) {
    return InvalidArgument(
        "SnpFirmware: template CPUID names " + std::string(snp::ProductName(from_cpuid)) +
        " but the root of trust is " + std::string(snp::ProductName(rot.product())));
  }
  return Ok();
}
}  // namespace

Result<SnpFirmware> SnpFirmware::Create(const AmdRootOfTrust& rot, snp::SnpReport t,
                                        std::time_t vcek_not_before) {
  SKR_RETURN_IF_ERROR(CheckProduct(rot, t));
  if (t.signing_key() != static_cast<uint32_t>(snp::SigningKey::kVcek)) {
    return InvalidArgument("SnpFirmware::Create: template KEY_INFO.SIGNING_KEY is " +
                           std::to_string(t.signing_key()) +
                           "; Create signs with the VCEK (0), use CreateWithVlek for a VLEK");
  }
  SKR_ASSIGN_OR_RETURN(Vcek vcek, rot.IssueVcek(t.chip_id, t.reported_tcb, vcek_not_before));
  return SnpFirmware(std::move(t), std::move(vcek));
}

Result<SnpFirmware> SnpFirmware::CreateWithVlek(const AmdRootOfTrust& rot, snp::SnpReport t,
                                                std::string_view csp_id,
                                                std::time_t vlek_not_before) {
  SKR_RETURN_IF_ERROR(CheckProduct(rot, t));
  t.set_key_info(t.author_key_en(), t.mask_chip_key(), snp::SigningKey::kVlek);
  SKR_ASSIGN_OR_RETURN(Vcek vlek, rot.IssueVlek(csp_id, t.reported_tcb, vlek_not_before));
  return SnpFirmware(std::move(t), std::move(vlek));
}

Result<Bytes> SnpFirmware::GetReport(ByteView report_data) const {
  if (report_data.size() != 64) {
    return InvalidArgument("SNP MSG_REPORT_REQ: REPORT_DATA must be 64 bytes, got " +
                           std::to_string(report_data.size()));
  }
  snp::SnpReport r = template_;
  std::copy(report_data.begin(), report_data.end(), r.report_data.begin());
  return SignReport(r);
}

Result<Bytes> SnpFirmware::SignReport(const snp::SnpReport& report) const {
  return SignSnpReport(report, vcek_.key);
}

HardwareReportSigner SnpFirmware::AsHardwareReportSigner() const {
  SnpFirmware copy = *this;
  return [copy](ByteView report_data) { return copy.GetReport(report_data); };
}

}  // namespace skr::emulator::amd
