// Authenticity of Intel TDX evidence (evidence-formats.md 3.5 steps 1-4), as go-tdx-guest
// `verify`: the PCK chain to a pinned Intel SGX Root CA, the QE report signed by the PCK key, the
// QE report binding the attestation key, and the quote signed by the attestation key. Plus the
// Azure-specific binding of an HCL report's TDREPORT to the quote (evidence-formats.md 2.6).
//
// Not done here (no collateral offline): step 5, TDX TCB Info and QE Identity from Intel PCS, and
// the PCK CRLs. The seam is `VerifyOptions::collateral_check`, which is called with the verified
// quote and PCK extensions; policy floors that need no collateral live in validate.h.
#ifndef SKR_TDX_VERIFY_H_
#define SKR_TDX_VERIFY_H_

#include <ctime>
#include <functional>
#include <span>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/hcl/report.h"
#include "libskr/tdx/abi.h"
#include "libskr/tdx/pck.h"
#include "libskr/x509/certificate.h"

namespace skr::tdx {

// The PCK certification chain carried in the quote (certification data type 5).
struct PckChain {
  x509::Certificate leaf;          // "Intel SGX PCK Certificate"
  x509::Certificate intermediate;  // "Intel SGX PCK Platform CA" or "... Processor CA"
  x509::Certificate root;          // "Intel SGX Root CA"
};

struct VerifiedQuote;

struct VerifyOptions {
  // Pinned trust anchors (e.g. go-tdx-guest/trusted_root.pem, or the emulator's root). The
  // quote's own root certificate must be one of these.
  std::vector<x509::Certificate> trusted_roots;
  std::time_t time = 0;  // every certificate must be valid at this time
  // Seam for evidence-formats.md 3.5 step 5 (TCB Info / QE Identity / CRLs). Unset: skipped.
  std::function<Result<void>(const VerifiedQuote&)> collateral_check;
};

struct VerifiedQuote {
  TdQuote quote;
  PckChain chain;
  PckExtensions pck;  // SGX extension of the PCK leaf (FMSPC, TCB, PCE-ID ...)
};

// Splits the PEM bundle into leaf, intermediate and root (exactly three, in this order; the
// Intel subject common names are checked so a swapped chain is reported as such).
Result<PckChain> ParsePckChain(ByteView pem);
// Step 1: leaf -> intermediate -> root valid at `time`, the root being a pinned trusted root.
Result<void> VerifyPckChain(const PckChain& chain, std::span<const x509::Certificate> roots,
                            std::time_t time);
// Step 2: ECDSA-P256/SHA-256 over the 384-byte QE report, by the PCK leaf key.
Result<void> VerifyQeReportSignature(const QeReportCertificationData& cert_data,
                                     const x509::Certificate& pck_leaf);
// Step 3: QE REPORTDATA == SHA-256(attestation key || QE auth data) || 32 zero bytes.
Result<void> VerifyQeReportBinding(const QuoteSignatureData& sig);
// The QE REPORTDATA a QE puts there for this attestation key and auth data.
ReportData ExpectedQeReportData(ByteView attestation_key, ByteView qe_auth_data);
// Step 4: ECDSA-P256/SHA-256 by the attestation key over `signed_message` (header || body, see
// QuoteSignedMessage).
Result<void> VerifyQuoteSignature(const QuoteSignatureData& sig, ByteView signed_message);

// Steps 1-4 on raw quote bytes (trailing bytes after the signature data are tolerated), then the
// SGX extension of the PCK leaf is parsed, then options.collateral_check if set.
Result<VerifiedQuote> VerifyQuote(ByteView quote_bytes, const VerifyOptions& options);

// TDREPORT integrity that needs no platform key: TEE_TCB_INFO_HASH == SHA-384(TEE_TCB_INFO) and
// TEE_INFO_HASH == SHA-384(TDINFO). (The MAC is platform-bound and cannot be checked off it.)
Result<void> VerifyTdReportHashes(const TdReport& report);
// The quote body equals what the QE copies from this TDREPORT (QuoteBodyFromTdReport); the error
// names the first differing field with both values. Body type 3 (v5, TDX 1.5) also compares
// TEE_TCB_SVN2 and MRSERVICETD.
Result<void> VerifyTdReportMatchesQuoteBody(const TdReport& report, const TdQuoteBody& body,
                                            uint16_t body_type = kBodyTypeTdx10);

// Azure TDX CVM binding (evidence-formats.md 2.6): the HCL report is a TDX one, its TDREPORT's
// hashes are consistent, the TDREPORT matches the (already verified) quote body, and its
// REPORTDATA binds the runtime claims (hcl::VerifyRuntimeClaimsBinding). Returns the TDREPORT.
Result<TdReport> VerifyHclReportAgainstQuote(const hcl::HclReport& hcl_report,
                                             const TdQuote& quote);

}  // namespace skr::tdx

#endif  // SKR_TDX_VERIFY_H_
