#include "libskr/tdx/verify.h"

#include <string>

#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/verify.h"

namespace skr::tdx {
namespace {

constexpr std::string_view kPckLeafCn = "Intel SGX PCK Certificate";
constexpr std::string_view kPlatformCaCn = "Intel SGX PCK Platform CA";
constexpr std::string_view kProcessorCaCn = "Intel SGX PCK Processor CA";
constexpr std::string_view kRootCaCn = "Intel SGX Root CA";

std::string Hex(ByteView b) { return encoding::HexEncode(b); }

Result<crypto::PublicKey> P256Key(const Array<64>& xy) {
  auto key = crypto::EcPublicKeyFromComponents(crypto::Curve::kP256, ByteView(xy).first(32),
                                               ByteView(xy).subspan(32));
  if (!key.ok()) {
    return VerificationFailed("TD quote: attestation key " + Hex(xy) +
                              " is not a P-256 point: " + key.error().message());
  }
  return *key;
}

Result<void> RequireP256(const x509::Certificate& cert, std::string_view role) {
  auto ec = cert.public_key().Ec();
  if (!ec.ok() || ec->curve != crypto::Curve::kP256) {
    return VerificationFailed("PCK chain: " + std::string(role) + " '" + cert.subject() +
                              "' does not have a P-256 key, as every Intel PCK chain key is");
  }
  return Ok();
}

}  // namespace

Result<PckChain> ParsePckChain(ByteView pem) {
  auto certs = x509::CertificatesFromPem(AsString(pem));
  if (!certs.ok()) return certs.error().WithContext("TD quote: PCK certificate chain (type 5)");
  if (certs->size() != 3) {
    return Malformed("TD quote: PCK certificate chain has " + std::to_string(certs->size()) +
                     " certificates, expected 3 (PCK leaf, PCK Platform/Processor CA, Root CA)");
  }
  PckChain chain{(*certs)[0], (*certs)[1], (*certs)[2]};
  auto expect = [](const x509::Certificate& c, int pos, std::string_view want,
                   std::string_view alt) -> Result<void> {
    std::string cn = c.subject_cn();
    if (cn == want || (!alt.empty() && cn == alt)) return Ok();
    return VerificationFailed("TD quote: PCK chain certificate " + std::to_string(pos) +
                              " has CN '" + cn + "', expected '" + std::string(want) + "'" +
                              (alt.empty() ? "" : " or '" + std::string(alt) + "'") +
                              " (chain order must be leaf, intermediate CA, root CA)");
  };
  SKR_RETURN_IF_ERROR(expect(chain.leaf, 0, kPckLeafCn, ""));
  SKR_RETURN_IF_ERROR(expect(chain.intermediate, 1, kPlatformCaCn, kProcessorCaCn));
  SKR_RETURN_IF_ERROR(expect(chain.root, 2, kRootCaCn, ""));
  return chain;
}

Result<void> VerifyPckChain(const PckChain& chain, std::span<const x509::Certificate> roots,
                            std::time_t time) {
  if (roots.empty()) return InvalidArgument("PCK chain: no trusted root given to verify against");
  SKR_RETURN_IF_ERROR(RequireP256(chain.leaf, "leaf"));
  SKR_RETURN_IF_ERROR(RequireP256(chain.intermediate, "intermediate CA"));
  // The quote's root must be pinned: a self-signed root in the quote proves nothing by itself.
  Bytes root_fp = chain.root.Fingerprint(crypto::HashAlg::kSha256);
  bool pinned = false;
  for (const auto& r : roots) pinned |= r.Fingerprint(crypto::HashAlg::kSha256) == root_fp;
  if (!pinned) {
    return VerificationFailed("PCK chain: the quote's root CA '" + chain.root.subject() +
                              "' (SHA-256 " + Hex(root_fp) +
                              ") is not one of the pinned trusted roots");
  }
  const x509::Certificate intermediates[] = {chain.intermediate};
  auto ok = x509::VerifyChain(chain.leaf, intermediates, roots, time);
  if (!ok.ok()) return ok.error().WithContext("PCK chain");
  return Ok();
}

Result<void> VerifyQeReportSignature(const QeReportCertificationData& c,
                                     const x509::Certificate& pck_leaf) {
  Bytes report = SerializeSgxReportBody(c.qe_report);
  auto ok = crypto::VerifyEcdsaP1363(pck_leaf.public_key(), crypto::HashAlg::kSha256, report,
                                     c.qe_report_signature);
  if (!ok.ok()) {
    return VerificationFailed(
        "TD quote: QE report signature does not verify with the PCK leaf key ('" +
        pck_leaf.subject() + "'): " + ok.error().message());
  }
  return Ok();
}

ReportData ExpectedQeReportData(ByteView attestation_key, ByteView qe_auth_data) {
  ReportData rd{};
  Bytes h = crypto::Sha256(Concat(attestation_key, qe_auth_data));
  std::copy(h.begin(), h.end(), rd.begin());
  return rd;
}

Result<void> VerifyQeReportBinding(const QuoteSignatureData& sig) {
  ReportData want = ExpectedQeReportData(sig.attestation_key, sig.qe_cert_data.qe_auth_data);
  const ReportData& got = sig.qe_cert_data.qe_report.report_data;
  if (got != want) {
    return VerificationFailed(
        "TD quote: QE report REPORTDATA is " + Hex(got) +
        ", expected SHA-256(attestation key || QE auth data) || 32 zero bytes = " + Hex(want) +
        " (the attestation key is not the one the QE vouched for)");
  }
  return Ok();
}

Result<void> VerifyQuoteSignature(const QuoteSignatureData& sig, ByteView signed_message) {
  SKR_ASSIGN_OR_RETURN(crypto::PublicKey key, P256Key(sig.attestation_key));
  auto ok = crypto::VerifyEcdsaP1363(key, crypto::HashAlg::kSha256, signed_message, sig.signature);
  if (!ok.ok()) {
    return VerificationFailed(
        "TD quote: signature over header || TD report body (" +
        std::to_string(signed_message.size()) +
        " bytes) does not verify with the attestation key: " + ok.error().message());
  }
  return Ok();
}

Result<VerifiedQuote> VerifyQuote(ByteView quote_bytes, const VerifyOptions& options) {
  SKR_ASSIGN_OR_RETURN(TdQuote quote, ParseTdQuote(quote_bytes));
  const QuoteSignatureData& sig = quote.signature_data;
  SKR_ASSIGN_OR_RETURN(PckChain chain, ParsePckChain(sig.qe_cert_data.pck_chain_pem));
  SKR_RETURN_IF_ERROR(VerifyPckChain(chain, options.trusted_roots, options.time));
  SKR_RETURN_IF_ERROR(VerifyQeReportSignature(sig.qe_cert_data, chain.leaf));
  SKR_RETURN_IF_ERROR(VerifyQeReportBinding(sig));
  // Parsing is lossless, so the signed region of the input is exactly this long; the signature is
  // checked over the input bytes themselves.
  SKR_ASSIGN_OR_RETURN(Bytes signed_message, QuoteSignedMessage(quote));
  SKR_RETURN_IF_ERROR(VerifyQuoteSignature(sig, quote_bytes.first(signed_message.size())));
  auto pck = ParsePckExtensions(chain.leaf);
  if (!pck.ok()) return pck.error().WithContext("PCK leaf SGX extension");
  VerifiedQuote out{std::move(quote), std::move(chain), *pck};
  if (options.collateral_check) SKR_RETURN_IF_ERROR(options.collateral_check(out));
  return out;
}

Result<void> VerifyTdReportHashes(const TdReport& report) {
  Bytes tcb = crypto::Sha384(SerializeTeeTcbInfo(report.tee_tcb_info));
  if (!std::equal(tcb.begin(), tcb.end(), report.mac_struct.tee_tcb_info_hash.begin())) {
    return VerificationFailed("TDREPORT: TEE_TCB_INFO_HASH at 0x20 is " +
                              Hex(report.mac_struct.tee_tcb_info_hash) +
                              ", but SHA-384(TEE_TCB_INFO) is " + Hex(tcb));
  }
  Bytes info = crypto::Sha384(SerializeTdInfo(report.td_info));
  if (!std::equal(info.begin(), info.end(), report.mac_struct.tee_info_hash.begin())) {
    return VerificationFailed("TDREPORT: TEE_INFO_HASH at 0x50 is " +
                              Hex(report.mac_struct.tee_info_hash) + ", but SHA-384(TDINFO) is " +
                              Hex(info));
  }
  return Ok();
}

Result<void> VerifyTdReportMatchesQuoteBody(const TdReport& report, const TdQuoteBody& body,
                                            uint16_t body_type) {
  TdQuoteBody want = QuoteBodyFromTdReport(report);
  auto cmp = [](std::string_view field, ByteView from_report, ByteView in_quote) -> Result<void> {
    if (std::equal(from_report.begin(), from_report.end(), in_quote.begin(), in_quote.end())) {
      return Ok();
    }
    return VerificationFailed("TDREPORT does not match the TD quote body: " + std::string(field) +
                              " is " + Hex(from_report) + " in the TDREPORT but " + Hex(in_quote) +
                              " in the quote");
  };
  auto u64 = [](uint64_t v) {
    ByteWriter w;
    w.AppendU64Le(v);
    return std::move(w).Take();
  };
  SKR_RETURN_IF_ERROR(cmp("TEE_TCB_SVN", want.tee_tcb_svn, body.tee_tcb_svn));
  SKR_RETURN_IF_ERROR(cmp("MRSEAM", want.mr_seam, body.mr_seam));
  SKR_RETURN_IF_ERROR(cmp("MRSIGNERSEAM", want.mr_signer_seam, body.mr_signer_seam));
  SKR_RETURN_IF_ERROR(cmp("SEAMATTRIBUTES", want.seam_attributes, body.seam_attributes));
  SKR_RETURN_IF_ERROR(cmp("TDATTRIBUTES", u64(want.td_attributes), u64(body.td_attributes)));
  SKR_RETURN_IF_ERROR(cmp("XFAM", u64(want.xfam), u64(body.xfam)));
  SKR_RETURN_IF_ERROR(cmp("MRTD", want.mr_td, body.mr_td));
  SKR_RETURN_IF_ERROR(cmp("MRCONFIGID", want.mr_config_id, body.mr_config_id));
  SKR_RETURN_IF_ERROR(cmp("MROWNER", want.mr_owner, body.mr_owner));
  SKR_RETURN_IF_ERROR(cmp("MROWNERCONFIG", want.mr_owner_config, body.mr_owner_config));
  static constexpr std::string_view kRtmr[4] = {"RTMR0", "RTMR1", "RTMR2", "RTMR3"};
  for (int i = 0; i < 4; ++i) SKR_RETURN_IF_ERROR(cmp(kRtmr[i], want.rtmr[i], body.rtmr[i]));
  SKR_RETURN_IF_ERROR(cmp("REPORTDATA", want.report_data, body.report_data));
  if (body_type == kBodyTypeTdx15) {
    SKR_RETURN_IF_ERROR(cmp("TEE_TCB_SVN2", want.tee_tcb_svn2, body.tee_tcb_svn2));
    SKR_RETURN_IF_ERROR(cmp("MRSERVICETD", want.mr_servicetd, body.mr_servicetd));
  }
  return Ok();
}

Result<TdReport> VerifyHclReportAgainstQuote(const hcl::HclReport& hcl_report,
                                             const TdQuote& quote) {
  if (hcl_report.report_type != hcl::ReportType::kTdx) {
    return InvalidArgument("HCL report: report_type is " +
                           std::string(hcl::ReportTypeName(hcl_report.report_type)) +
                           ", expected TDX (4) to check against a TD quote");
  }
  auto report = ParseTdReport(hcl_report.HardwareReport());
  if (!report.ok()) return report.error().WithContext("HCL report hardware area");
  SKR_RETURN_IF_ERROR(VerifyTdReportHashes(*report));
  uint16_t body_type = quote.header.version == 5 ? quote.body_type : kBodyTypeTdx10;
  SKR_RETURN_IF_ERROR(VerifyTdReportMatchesQuoteBody(*report, quote.body, body_type));
  auto bound = hcl::VerifyRuntimeClaimsBinding(hcl_report);
  if (!bound.ok()) return bound.error().WithContext("HCL report (TDX)");
  return *report;
}

}  // namespace skr::tdx
