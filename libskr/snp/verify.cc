#include "libskr/snp/verify.h"

#include <algorithm>

#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"

namespace skr::snp {
namespace {

// 72-byte little-endian zero-extended component -> 48-byte big-endian (evidence-formats.md 1.5).
Result<Bytes> ComponentToBigEndian(ByteView le, std::string_view name, size_t offset) {
  for (size_t i = 48; i < le.size(); ++i) {
    if (le[i] != 0) {
      return Malformed("SNP report: field " + std::string(name) + " at " + HexOffset(offset) +
                       ": bytes 48..72 of the little-endian P-384 component must be zero, found " +
                       "non-zero byte at " + HexOffset(offset + i));
    }
  }
  Bytes be(le.begin(), le.begin() + 48);
  std::reverse(be.begin(), be.end());
  return be;
}

std::string LineOfCn(const std::string& cn, std::string_view prefix) {
  if (cn.rfind(prefix, 0) != 0) return "";
  return cn.substr(prefix.size());
}

}  // namespace

Result<CertificateChain> ChainFromBundle(const x509::Certificate& vcek,
                                         std::span<const x509::Certificate> bundle) {
  // A VLEK (cspID extension) is signed by the ASVK "SEV-VLEK-<line>", a VCEK by the ASK
  // "SEV-<line>" (so neither "SEV-VCEK" nor the other intermediate is taken).
  const bool vlek = vcek.ExtensionValue(kOidCspId).has_value();
  const std::string prefix = vlek ? "SEV-VLEK-" : "SEV-";
  const x509::Certificate* ark = nullptr;
  const x509::Certificate* ask = nullptr;
  for (const auto& c : bundle) {
    std::string cn = c.subject_cn();
    if (c.is_self_issued() && cn.rfind("ARK-", 0) == 0) {
      if (!ark) ark = &c;
    } else if (cn.rfind(prefix, 0) == 0 && cn.find('-', prefix.size()) == std::string::npos &&
               ProductFromName(cn.substr(prefix.size())).ok()) {
      if (!ask) ask = &c;
    }
  }
  if (!ark || !ask) {
    std::string missing =
        ark ? std::string(vlek ? "an ASVK" : "an ASK") + " (CN " + prefix + "<line>)"
            : std::string("an ARK (CN ARK-<line>)");
    return Malformed("AMD certificate bundle of " + std::to_string(bundle.size()) +
                     " certificates lacks " + missing + " (evidence-formats.md 1.6)");
  }
  return CertificateChain{*ark, *ask, vcek};
}

Result<void> VerifyReportSignature(ByteView report_bytes, const crypto::PublicKey& vcek_key) {
  if (report_bytes.size() != kReportSize) {
    return Malformed("SNP report signature: report is " + std::to_string(report_bytes.size()) +
                     " bytes, expected 1184");
  }
  ByteReader r(report_bytes, "SNP report");
  SKR_ASSIGN_OR_RETURN(uint32_t algo, r.U32Le(0x34, "SIGNATURE_ALGO"));
  if (algo != kSignatureAlgoEcdsaP384Sha384) {
    return Error(ErrorCode::kUnsupported,
                 "SNP report: field SIGNATURE_ALGO at 0x34: expected 1 (ECDSA P-384 SHA-384), "
                 "found " +
                     std::to_string(algo));
  }
  auto ec = vcek_key.Ec();
  if (!ec.ok() || ec->curve != crypto::Curve::kP384) {
    return InvalidArgument("SNP report signature: the VCEK key must be ECDSA P-384");
  }
  SKR_ASSIGN_OR_RETURN(Bytes rs,
                       ComponentToBigEndian(report_bytes.subspan(0x2A0, 72), "SIGNATURE.R", 0x2A0));
  SKR_ASSIGN_OR_RETURN(Bytes s,
                       ComponentToBigEndian(report_bytes.subspan(0x2E8, 72), "SIGNATURE.S", 0x2E8));
  rs.insert(rs.end(), s.begin(), s.end());
  auto v = crypto::VerifyEcdsaP1363(vcek_key, crypto::HashAlg::kSha384,
                                    report_bytes.subspan(0, kSignedSize), rs);
  if (!v.ok()) {
    return VerificationFailed(
        "SNP report signature over bytes [0x0, 0x2a0) does not verify with the VCEK key "
        "(report altered, or signed by another chip/TCB): " +
        v.error().message());
  }
  return Ok();
}

Result<VcekExtensions> VerifyVcekChain(const CertificateChain& chain,
                                       std::span<const x509::Certificate> trusted_roots,
                                       std::time_t time) {
  const Bytes ark_der = chain.ark.ToDer();
  bool pinned = std::any_of(trusted_roots.begin(), trusted_roots.end(),
                            [&](const x509::Certificate& r) { return r.ToDer() == ark_der; });
  if (!pinned) {
    return VerificationFailed("AMD chain: ARK " + chain.ark.subject() + " (SHA-256 " +
                              encoding::HexEncode(chain.ark.Fingerprint(crypto::HashAlg::kSha256)) +
                              ") is not one of the " + std::to_string(trusted_roots.size()) +
                              " trusted roots");
  }
  // The leaf must be a VCEK: an EC P-384 key with AMD extensions (an ASK passed as the leaf would
  // otherwise chain fine to the ARK).
  auto vcek_ec = chain.vcek.public_key().Ec();
  if (!vcek_ec.ok() || vcek_ec->curve != crypto::Curve::kP384) {
    return VerificationFailed("AMD chain: the VCEK " + chain.vcek.subject() +
                              " does not have an ECDSA P-384 key (swapped chain?)");
  }
  auto ext = ParseVcekExtensions(chain.vcek);
  if (!ext.ok()) return VerificationFailed("AMD chain: " + ext.error().message());
  const x509::Certificate intermediates[] = {chain.ask};
  const x509::Certificate roots[] = {chain.ark};
  auto v = x509::VerifyChain(chain.vcek, intermediates, roots, time);
  if (!v.ok()) return VerificationFailed("AMD ARK -> ASK -> VCEK: " + v.error().message());
  // Product line consistency (evidence-formats.md 1.6: the VCEK chains to the ASK of the
  // generation named in productName).
  const std::string line(ProductName(ext->product));
  const std::string ark_line = LineOfCn(chain.ark.subject_cn(), "ARK-");
  const std::string ask_prefix = ext->csp_id ? "SEV-VLEK-" : "SEV-";
  const std::string ask_line = LineOfCn(chain.ask.subject_cn(), ask_prefix);
  if (ark_line != line || ask_line != line) {
    return VerificationFailed("AMD chain: " + std::string(ext->csp_id ? "VLEK" : "VCEK") +
                              " productName \"" + ext->product_name + "\" but ARK CN \"" +
                              chain.ark.subject_cn() + "\" and intermediate CN \"" +
                              chain.ask.subject_cn() + "\"; expected ARK-" + line + " and " +
                              ask_prefix + line);
  }
  return *ext;
}

Result<void> VerifyReportMatchesVcek(const SnpReport& report, const VcekExtensions& vcek,
                                     bool check_chip_id) {
  // KEY_INFO.SIGNING_KEY names the kind of key that signed (evidence-formats.md 1.3).
  const uint32_t signing_key = report.signing_key();
  const bool is_vlek = vcek.csp_id.has_value() && !vcek.hw_id.has_value();
  if (signing_key == static_cast<uint32_t>(SigningKey::kVcek) && is_vlek) {
    return VerificationFailed(
        "SNP report: KEY_INFO.SIGNING_KEY at 0x48 is 0 (VCEK) but the certificate is a VLEK");
  }
  if (signing_key == static_cast<uint32_t>(SigningKey::kVlek) && !is_vlek) {
    return VerificationFailed(
        "SNP report: KEY_INFO.SIGNING_KEY at 0x48 is 1 (VLEK) but the certificate is a VCEK");
  }
  if (signing_key != static_cast<uint32_t>(SigningKey::kVcek) &&
      signing_key != static_cast<uint32_t>(SigningKey::kVlek)) {
    return VerificationFailed("SNP report: KEY_INFO.SIGNING_KEY at 0x48 is " +
                              std::to_string(signing_key) +
                              ", expected 0 (VCEK) or 1 (VLEK); 7 means the report is unsigned");
  }
  const Product from_cpuid = report.ProductFromReport();
  if (report.version >= 3 && from_cpuid != vcek.product) {
    return VerificationFailed("SNP report CPUID family/model 0x" +
                              encoding::HexEncode(ByteView(&report.cpuid_fam_id, 1)) + "/0x" +
                              encoding::HexEncode(ByteView(&report.cpuid_mod_id, 1)) + " names " +
                              std::string(ProductName(from_cpuid)) + ", the VCEK is for " +
                              std::string(ProductName(vcek.product)));
  }
  const TcbParts reported = report.reported_tcb.Parts(vcek.product);
  if (reported != vcek.tcb) {
    return VerificationFailed("SNP report: REPORTED_TCB at 0x180 (" + report.reported_tcb.Tcbm() +
                              ": " + TcbPartsToString(reported) +
                              ") does not match the VCEK's SPLs (" + vcek.Tcb().Tcbm() + ": " +
                              TcbPartsToString(vcek.tcb) +
                              "); fetch the VCEK for the reported TCB (evidence-formats.md 1.4)");
  }
  if (check_chip_id && !report.mask_chip_key() && vcek.hw_id) {
    ByteView chip = report.ChipIdForProduct(vcek.product);
    if (!std::equal(chip.begin(), chip.end(), vcek.hw_id->begin(), vcek.hw_id->end())) {
      return VerificationFailed("SNP report: CHIP_ID at 0x1a0 (" + encoding::HexEncode(chip) +
                                ") differs from the VCEK hwID (" +
                                encoding::HexEncode(*vcek.hw_id) + "): VCEK of another chip");
    }
  }
  return Ok();
}

Result<SnpReport> VerifyAttestation(ByteView report_bytes, const CertificateChain& chain,
                                    const VerifyOptions& options) {
  SKR_ASSIGN_OR_RETURN(SnpReport report, ParseSnpReport(report_bytes));
  SKR_ASSIGN_OR_RETURN(VcekExtensions ext,
                       VerifyVcekChain(chain, options.trusted_roots, options.time));
  SKR_RETURN_IF_ERROR(VerifyReportMatchesVcek(report, ext, options.check_chip_id));
  SKR_RETURN_IF_ERROR(VerifyReportSignature(report_bytes, chain.vcek.public_key()));
  return report;
}

}  // namespace skr::snp
