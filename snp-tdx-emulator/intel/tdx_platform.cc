#include "snp-tdx-emulator/intel/tdx_platform.h"

#include <nlohmann/json.hpp>

#include "libskr/encoding/encoding.h"

namespace skr::emulator::intel {

Result<EmulatedTdxPlatform> EmulatedTdxPlatform::Create(ByteView seed, TdxPlatformOptions options) {
  SKR_ASSIGN_OR_RETURN(IntelPki pki, CreateIntelPki(seed, options.pki));
  auto module = std::make_shared<TdxModule>(seed, options.td.value_or(TdConfigForSeed(seed)));
  // The QE is on the same platform, so it can check the TDX module's MAC.
  std::weak_ptr<TdxModule> weak = module;
  TdReportChecker checker = [weak](const tdx::TdReport& report) -> Result<void> {
    auto m = weak.lock();
    if (!m) return Internal("QE: the TDX module is gone");
    return m->VerifyReportMac(report);
  };
  SKR_ASSIGN_OR_RETURN(QuotingEnclave qe,
                       QuotingEnclave::Create(seed, pki, options.qe, std::move(checker)));
  return EmulatedTdxPlatform(std::move(pki), std::move(module), std::move(qe));
}

HardwareReportSigner EmulatedTdxPlatform::TdReportSigner() const {
  std::shared_ptr<TdxModule> module = module_;
  return [module](ByteView report_data) { return module->ReportBytes(report_data); };
}

Result<Bytes> EmulatedTdxPlatform::QuoteTdReport(ByteView td_report) const {
  return qe_.Quote(td_report);
}

Result<Bytes> EmulatedTdxPlatform::ReportAndQuote(ByteView report_data) const {
  SKR_ASSIGN_OR_RETURN(Bytes report, module_->ReportBytes(report_data));
  return qe_.Quote(report);
}

std::string TdQuoteRequestJson(ByteView td_report) {
  return nlohmann::json{{"report", encoding::Base64UrlEncode(td_report)}}.dump();
}

namespace {

Result<Bytes> Member(std::string_view body, const char* name, std::string_view what) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Malformed(std::string(what) + ": body is not a JSON object");
  }
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    return Malformed(std::string(what) + ": member \"" + name + "\" (base64url string) is missing");
  }
  auto bytes = encoding::Base64UrlDecode(it->get<std::string>());
  if (!bytes.ok()) return bytes.error().WithContext(std::string(what) + ": \"" + name + "\"");
  return *bytes;
}

}  // namespace

Result<Bytes> ParseTdQuoteRequestJson(std::string_view body) {
  SKR_ASSIGN_OR_RETURN(Bytes report, Member(body, "report", "/acc/tdquote request"));
  if (report.size() != tdx::kTdReportSize) {
    return Malformed("/acc/tdquote request: \"report\" decodes to " +
                     std::to_string(report.size()) + " bytes, expected a 1024-byte TDREPORT");
  }
  return report;
}

std::string TdQuoteResponseJson(ByteView quote) {
  return nlohmann::json{{"quote", encoding::Base64UrlEncode(quote)}}.dump();
}

Result<Bytes> ParseTdQuoteResponseJson(std::string_view body) {
  return Member(body, "quote", "/acc/tdquote response");
}

}  // namespace skr::emulator::intel
