// One emulated Azure TDX host from one seed: the Intel PKI (pki.h), the TDX module producing the
// TD's TDREPORTs (tdx_module.h) and the Quoting Enclave behind IMDS /acc/tdquote
// (quoting_enclave.h), plus the adapters the rest of the emulator needs: a HardwareReportSigner
// for the HCL generator (TDX HCL reports) and the /acc/tdquote JSON exchange (skr-protocol.md 5.3).
#ifndef SKR_EMULATOR_INTEL_TDX_PLATFORM_H_
#define SKR_EMULATOR_INTEL_TDX_PLATFORM_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"
#include "snp-tdx-emulator/intel/pki.h"
#include "snp-tdx-emulator/intel/quoting_enclave.h"
#include "snp-tdx-emulator/intel/tdx_module.h"

namespace skr::emulator::intel {

struct TdxPlatformOptions {
  std::optional<TdConfig> td;  // default TdConfigForSeed(seed)
  IntelPkiOptions pki;
  QeIdentity qe;
};

class EmulatedTdxPlatform {
 public:
  static Result<EmulatedTdxPlatform> Create(ByteView seed, TdxPlatformOptions options = {});

  const IntelPki& pki() const { return pki_; }
  // Shared so that signers handed out stay valid; RTMR extensions show up in later reports.
  TdxModule& module() { return *module_; }
  const TdxModule& module() const { return *module_; }
  const QuotingEnclave& qe() const { return qe_; }

  // For HclGeneratorOptions::signer with report_type kTdx: REPORTDATA -> 1024-byte TDREPORT.
  HardwareReportSigner TdReportSigner() const;
  // "Quote this TDREPORT" (IMDS /acc/tdquote): the quote bytes as Azure returns them. The QE
  // refuses a TDREPORT whose MAC is not this TDX module's (VerificationFailed).
  Result<Bytes> QuoteTdReport(ByteView td_report) const;
  // TDREPORT with this REPORTDATA, then its quote.
  Result<Bytes> ReportAndQuote(ByteView report_data) const;

 private:
  EmulatedTdxPlatform(IntelPki pki, std::shared_ptr<TdxModule> module, QuotingEnclave qe)
      : pki_(std::move(pki)), module_(std::move(module)), qe_(std::move(qe)) {}

  IntelPki pki_;
  std::shared_ptr<TdxModule> module_;
  QuotingEnclave qe_;
};

// IMDS /acc/tdquote body codec (skr-protocol.md 5.3): request {"report":"<base64url TDREPORT>"},
// response {"quote":"<base64url quote>"} (base64url without padding).
std::string TdQuoteRequestJson(ByteView td_report);
Result<Bytes> ParseTdQuoteRequestJson(std::string_view body);  // the 1024-byte TDREPORT
std::string TdQuoteResponseJson(ByteView quote);
Result<Bytes> ParseTdQuoteResponseJson(std::string_view body);  // the quote bytes

}  // namespace skr::emulator::intel

#endif  // SKR_EMULATOR_INTEL_TDX_PLATFORM_H_
