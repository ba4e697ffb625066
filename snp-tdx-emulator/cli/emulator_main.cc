// build/bin/snp-tdx-emulator: the emulated Azure CVM hardware, vTPM and IMDS from the command line.
// The shared server flags (--listen, --seed, --now; libskr/http/server_cli.h) apply to every
// subcommand; long-running ones print "listening on <URL>" first and stop on SIGINT/SIGTERM.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libskr/base/files.h"
#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/keys.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/http/server_cli.h"
#include "snp-tdx-emulator/amd/root_of_trust.h"
#include "snp-tdx-emulator/amd/snp_firmware.h"
#include "snp-tdx-emulator/cvm/emulated_cvm.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"
#include "snp-tdx-emulator/imds/imds_server.h"
#include "snp-tdx-emulator/intel/tdx_platform.h"
#include "snp-tdx-emulator/vtpm/azure_vtpm.h"

namespace {

using namespace skr;            // NOLINT
using namespace skr::emulator;  // NOLINT
using nlohmann::json;

int Fail(const Error& e) {
  std::cerr << "snp-tdx-emulator: " << e.ToString() << "\n";
  return 1;
}

template <typename T>
T OrExit(Result<T> r) {
  if (!r.ok()) std::exit(Fail(r.error()));
  return std::move(r).value();
}

// Writes to --out, or stdout when it is empty or "-".
int Output(const std::string& out, ByteView data) {
  if (out.empty() || out == "-") {
    std::fwrite(data.data(), 1, data.size(), stdout);
    std::fflush(stdout);
    return 0;
  }
  auto w = WriteFileBytes(out, data);
  if (!w.ok()) return Fail(w.error());
  std::cerr << "wrote " << data.size() << " bytes to " << out << "\n";
  return 0;
}

Bytes ReportDataFlag(const std::string& hex, const char* flag) {
  if (hex.empty()) return Bytes(64, 0);
  Bytes b = OrExit(encoding::HexDecode(hex));
  if (b.size() > 64) {
    std::exit(Fail(InvalidArgument(std::string(flag) + ": at most 64 bytes (128 hex digits), got " +
                                   std::to_string(b.size()))));
  }
  b.resize(64, 0);  // zero-extended, as the guest drivers do
  return b;
}

snp::Product ProductFlag(const std::string& p) {
  if (p == "milan") return snp::Product::kMilan;
  if (p == "genoa") return snp::Product::kGenoa;
  if (p == "turin") return snp::Product::kTurin;
  std::exit(Fail(InvalidArgument("--product " + p + ": expected milan, genoa or turin")));
}

cvm::CvmKind KindOf(const std::string& type, const std::string& product) {
  if (type == "tdx") return cvm::CvmKind::kTdx;
  switch (ProductFlag(product)) {
    case snp::Product::kGenoa:
      return cvm::CvmKind::kSnpGenoa;
    case snp::Product::kTurin:
      return cvm::CvmKind::kSnpTurin;
    default:
      return cvm::CvmKind::kSnpMilan;
  }
}

struct Snp {
  amd::AmdRootOfTrust rot;
  amd::SnpFirmware fw;
};
Snp MakeSnp(ByteView seed, snp::Product product) {
  auto rot = OrExit(amd::AmdRootOfTrust::Create(seed, product));
  auto fw = OrExit(amd::SnpFirmware::Create(
      rot, amd::AzureLikeReportTemplate(product, amd::DeriveChipId(seed, product, "cvm"))));
  return {std::move(rot), std::move(fw)};
}

// Stand-in vTPM keys for HCL reports made without a vTPM (hcl-report): RSA-2048 from the seed.
Bytes DerivedModulus(ByteView seed, const char* label) {
  crypto::Drbg drbg(seed, label);
  auto key = OrExit(crypto::DeriveRsaKey(drbg, 2048));
  return OrExit(key.public_key().Rsa()).n;
}

HclGeneratorOptions HclOptions(cvm::CvmKind kind, HardwareReportSigner signer) {
  HclGeneratorOptions o;
  o.report_type = cvm::IsSnp(kind) ? hcl::ReportType::kSnp : hcl::ReportType::kTdx;
  o.header_version = kind == cvm::CvmKind::kSnpMilan ? 1 : 2;
  if (o.header_version == 2) o.vm.tpm_persisted = true;
  o.signer = std::move(signer);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  http::ServerFlags flags;
  flags.plain_http = true;  // IMDS is plain HTTP
  auto rest = http::ParseServerFlags(argc, argv, flags);
  if (!rest.ok()) return Fail(rest.error());
  const Bytes seed = flags.SeedBytes();

  CLI::App app{"Emulated Azure confidential VM: AMD SEV-SNP / Intel TDX hardware, vTPM, IMDS",
               "snp-tdx-emulator"};
  app.footer("Common flags (any subcommand):\n" + http::ServerFlagsHelp());
  app.require_subcommand(1);

  std::string vendor = "amd", product = "milan", format = "pem", out, report_data, type = "snp",
              td_report_file, out_dir;
  auto* chain = app.add_subcommand("export-chain", "Print or write a vendor certificate chain");
  chain->add_option("--vendor", vendor, "amd or intel")->check(CLI::IsMember({"amd", "intel"}));
  chain->add_option("--product", product, "milan, genoa or turin (AMD)")
      ->check(CLI::IsMember({"milan", "genoa", "turin"}));
  chain->add_option("--format", format, "pem (leaf first) or thim (AMD: IMDS THIM JSON)")
      ->check(CLI::IsMember({"pem", "thim"}));
  chain->add_option("--out", out, "output file (default stdout)");

  std::string bin_format = "bin";
  auto* snp_report = app.add_subcommand("snp-report", "A signed 1184-byte SEV-SNP report");
  snp_report->add_option("--product", product)->check(CLI::IsMember({"milan", "genoa", "turin"}));
  snp_report->add_option("--report-data", report_data, "REPORT_DATA, up to 128 hex digits");
  snp_report->add_option("--format", bin_format, "bin or json")
      ->check(CLI::IsMember({"bin", "json"}));
  snp_report->add_option("--out", out);

  auto* td_report = app.add_subcommand("td-report", "A 1024-byte TDREPORT from the TDX module");
  td_report->add_option("--report-data", report_data, "REPORTDATA, up to 128 hex digits");
  td_report->add_option("--format", bin_format)->check(CLI::IsMember({"bin", "json"}));
  td_report->add_option("--out", out);

  auto* td_quote = app.add_subcommand("td-quote", "A TD quote (v4) from the emulated QE");
  td_quote->add_option("--report-data", report_data, "REPORTDATA for a fresh TDREPORT");
  td_quote->add_option("--td-report", td_report_file, "quote this TDREPORT file instead");
  td_quote->add_option("--format", bin_format, "bin, or json as IMDS /acc/tdquote answers")
      ->check(CLI::IsMember({"bin", "json"}));
  td_quote->add_option("--out", out);

  std::string user_data;
  auto* hcl_cmd = app.add_subcommand("hcl-report", "An Azure HCL report (NV 0x01400001 image)");
  hcl_cmd->add_option("--type", type, "snp or tdx")->check(CLI::IsMember({"snp", "tdx"}));
  hcl_cmd->add_option("--product", product)->check(CLI::IsMember({"milan", "genoa", "turin"}));
  hcl_cmd->add_option("--user-data", user_data, "64 bytes of user data, hex");
  hcl_cmd->add_option("--format", bin_format, "bin (2600-byte NV image) or json (runtime claims)")
      ->check(CLI::IsMember({"bin", "json"}));
  hcl_cmd->add_option("--out", out);

  std::string state_dir;
  auto* vtpm_cmd = app.add_subcommand("vtpm", "Run the Azure vTPM; prints its TCTI");
  vtpm_cmd->add_option("--type", type)->check(CLI::IsMember({"snp", "tdx"}));
  vtpm_cmd->add_option("--product", product)->check(CLI::IsMember({"milan", "genoa", "turin"}));
  vtpm_cmd->add_option("--state-dir", state_dir, "keep swtpm state here (stable AK)");

  std::string jwks_out;
  auto* imds_cmd = app.add_subcommand("imds", "Run the emulated IMDS");
  imds_cmd->add_option("--jwks-out", jwks_out, "write the Entra issuer's JWKS here (mock-kv)");
  imds_cmd->add_option("--type", type)->check(CLI::IsMember({"snp", "tdx"}));
  imds_cmd->add_option("--product", product)->check(CLI::IsMember({"milan", "genoa", "turin"}));

  auto* cvm_cmd = app.add_subcommand("cvm", "Run a whole emulated CVM (hardware, vTPM, IMDS)");
  cvm_cmd->add_option("--type", type)->check(CLI::IsMember({"snp", "tdx"}));
  cvm_cmd->add_option("--product", product)->check(CLI::IsMember({"milan", "genoa", "turin"}));
  cvm_cmd->add_option("--out-dir", out_dir, "where to write the roots (default: a temp dir)");
  cvm_cmd->add_option("--state-dir", state_dir, "keep swtpm state here (stable AK)");
  bool debug = false;
  cvm_cmd->add_flag("--debug", debug, "SNP: policy with DEBUG allowed; TDX: TD attribute DEBUG");

  std::vector<std::string> args = std::move(rest).value();
  if (flags.help) args.push_back("--help");
  std::reverse(args.begin(), args.end());  // CLI11 consumes from the back
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (chain->parsed()) {
    if (vendor == "amd") {
      Snp s = MakeSnp(seed, ProductFlag(product));
      if (format == "thim") return Output(out, AsBytes(s.rot.ThimJson(s.fw.vcek())));
      const std::string pem = s.fw.vcek().cert.ToPem() + s.rot.CertChainPem();
      return Output(out, AsBytes(pem));
    }
    if (format == "thim") return Fail(InvalidArgument("--format thim is AMD only"));
    auto p = OrExit(intel::EmulatedTdxPlatform::Create(seed));
    const std::string pem = p.pki().pck.ToPem() + p.pki().ca.ToPem() + p.pki().root.ToPem();
    return Output(out, AsBytes(pem));
  }
  if (snp_report->parsed()) {
    Snp s = MakeSnp(seed, ProductFlag(product));
    Bytes r = OrExit(s.fw.GetReport(ReportDataFlag(report_data, "--report-data")));
    if (bin_format == "bin") return Output(out, r);
    json j = {{"report", encoding::Base64UrlEncode(r)},
              {"vcekCert", s.fw.vcek().cert.ToPem()},
              {"certificateChain", s.rot.CertChainPem()}};
    return Output(out, AsBytes(j.dump(2) + "\n"));
  }
  if (td_report->parsed()) {
    auto p = OrExit(intel::EmulatedTdxPlatform::Create(seed));
    Bytes r = OrExit(p.TdReportSigner()(ReportDataFlag(report_data, "--report-data")));
    if (bin_format == "bin") return Output(out, r);
    return Output(out, AsBytes(intel::TdQuoteRequestJson(r) + "\n"));
  }
  if (td_quote->parsed()) {
    auto p = OrExit(intel::EmulatedTdxPlatform::Create(seed));
    Bytes q;
    if (!td_report_file.empty()) {
      q = OrExit(p.QuoteTdReport(OrExit(ReadFileBytes(td_report_file))));
    } else {
      q = OrExit(p.ReportAndQuote(ReportDataFlag(report_data, "--report-data")));
    }
    if (bin_format == "bin") return Output(out, q);
    return Output(out, AsBytes(intel::TdQuoteResponseJson(q) + "\n"));
  }
  if (hcl_cmd->parsed()) {
    const cvm::CvmKind kind = KindOf(type, product);
    Bytes ud = ReportDataFlag(user_data, "--user-data");
    HardwareReportSigner signer;
    std::optional<Snp> s;
    std::optional<intel::EmulatedTdxPlatform> t;
    if (cvm::IsSnp(kind)) {
      s.emplace(MakeSnp(seed, ProductFlag(product)));
      signer = s->fw.AsHardwareReportSigner();
    } else {
      t.emplace(OrExit(intel::EmulatedTdxPlatform::Create(seed)));
      signer = t->TdReportSigner();
    }
    HclGeneratorOptions o = HclOptions(kind, signer);
    o.ak_modulus = DerivedModulus(seed, "cli/hcl/ak");
    o.ek_modulus = DerivedModulus(seed, "cli/hcl/ek");
    o.vm.vm_unique_id = imds::DeriveGuid(seed, "azure/vm-id");
    std::transform(o.vm.vm_unique_id.begin(), o.vm.vm_unique_id.end(), o.vm.vm_unique_id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (bin_format == "json") return Output(out, RuntimeClaimsJson(o, ud));
    return Output(out, OrExit(GenerateHclReport(o, ud)));
  }
  if (vtpm_cmd->parsed()) {
    const cvm::CvmKind kind = KindOf(type, product);
    std::optional<Snp> s;
    std::optional<intel::EmulatedTdxPlatform> t;
    HardwareReportSigner signer;
    if (cvm::IsSnp(kind)) {
      s.emplace(MakeSnp(seed, ProductFlag(product)));
      signer = s->fw.AsHardwareReportSigner();
    } else {
      t.emplace(OrExit(intel::EmulatedTdxPlatform::Create(seed)));
      signer = t->TdReportSigner();
    }
    HclGeneratorOptions hcl = HclOptions(kind, signer);
    hcl.vm.vm_unique_id = imds::DeriveGuid(seed, "azure/vm-id");
    std::transform(hcl.vm.vm_unique_id.begin(), hcl.vm.vm_unique_id.end(),
                   hcl.vm.vm_unique_id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    vtpm::AzureVtpm::Options vo;
    vo.state_dir = state_dir;
    vo.listen_port = flags.listen.port;  // the TCTI port P (control P+1); 0 = free pair
    vo.entropy_key = vtpm::EntropyKeyFromSeed(seed);  // EK, AK and HCL report follow the seed
    vo.report_provider_factory = [hcl](const vtpm::VtpmKeys& keys) {
      HclGeneratorOptions o = hcl;
      o.ak_modulus = keys.ak.rsa_modulus;
      o.ek_modulus = keys.ek.rsa_modulus;
      return vtpm::ReportProvider(
          [o](ByteView user_data) { return GenerateHclReport(o, user_data); });
    };
    auto v = OrExit(vtpm::AzureVtpm::Start(std::move(vo)));
    http::PrintListening(v->tcti());
    std::cout << "TPM2TOOLS_TCTI=" << v->tcti() << std::endl;
    int sig = http::WaitForShutdownSignal();
    v->Stop();
    std::cerr << "stopped on signal " << sig << "\n";
    return 0;
  }
  if (imds_cmd->parsed()) {
    const cvm::CvmKind kind = KindOf(type, product);
    imds::ImdsOptions io;
    io.listen = flags.listen;
    io.seed = seed;
    io.clock = std::shared_ptr<const Clock>(flags.MakeClock());
    std::optional<Snp> s;
    std::optional<intel::EmulatedTdxPlatform> t;
    if (cvm::IsSnp(kind)) {
      s.emplace(MakeSnp(seed, ProductFlag(product)));
      io.thim_json = s->rot.ThimJson(s->fw.vcek());
    } else {
      t.emplace(OrExit(intel::EmulatedTdxPlatform::Create(seed)));
      const intel::EmulatedTdxPlatform* tp = &*t;
      io.td_quote = [tp](ByteView r) { return tp->QuoteTdReport(r); };
    }
    auto server = OrExit(imds::ImdsServer::Start(std::move(io)));
    http::PrintListening(server->url());
    if (!jwks_out.empty()) {
      auto w = WriteFileBytes(jwks_out, AsBytes(server->issuer().Jwks().ToString()));
      if (!w.ok()) return Fail(w.error());
    }
    std::cout << "entra-issuer " << server->issuer().issuer() << "\n"
              << "entra-discovery " << server->discovery_url() << "\n"
              << "entra-jwks " << server->jwks_url() << "\n"
              << "entra-tenant " << server->issuer().tenant_id() << std::endl;
    int sig = http::WaitForShutdownSignal();
    server->Stop();
    std::cerr << "stopped on signal " << sig << "\n";
    return 0;
  }
  if (cvm_cmd->parsed()) {
    cvm::CvmOptions o;
    o.seed = seed;
    o.kind = KindOf(type, product);
    o.now = flags.now;
    o.imds_listen = flags.listen;
    o.vtpm_state_dir = state_dir;
    if (debug) {
      if (cvm::IsSnp(o.kind)) {
        o.snp_policy = 0x3001Full | (1ull << 19);
      } else {
        o.td_attributes = 1;
      }
    }
    auto c = OrExit(cvm::EmulatedCvm::Start(std::move(o)));
    std::filesystem::path dir = out_dir;
    if (dir.empty()) {
      std::string t = (std::filesystem::temp_directory_path() / "snp-tdx-emulator-XXXXXX").string();
      if (::mkdtemp(t.data()) == nullptr) return Fail(Unavailable("cannot create a temp dir"));
      dir = t;
    }
    std::filesystem::create_directories(dir);
    const auto root = dir / "platform-root.pem", chain_path = dir / "platform-chain.pem",
               ca = dir / "vtpm-ca.pem", ak = dir / "ak-cert.pem", jwks = dir / "entra-jwks.json";
    std::string chain_pem;
    for (const auto& cert : c->platform_chain()) chain_pem = cert.ToPem() + chain_pem;
    for (auto [path, text] : std::vector<std::pair<std::filesystem::path, std::string>>{
             {root, c->platform_root().ToPem()},
             {chain_path, chain_pem},
             {ca, c->vtpm_ca_pem()},
             {ak, c->ak_cert().ToPem()},
             {jwks, c->imds().issuer().Jwks().ToString()}}) {
      if (auto w = WriteFileBytes(path, AsBytes(text)); !w.ok()) return Fail(w.error());
    }
    http::PrintListening(c->imds_url());
    std::cout << "kind " << cvm::CvmKindName(c->kind()) << "\n"
              << "tcti " << c->tcti() << "\n"
              << "imds " << c->imds_url() << "\n"
              << "platform-root " << root.string() << "\n"
              << "platform-chain " << chain_path.string() << "\n"
              << "vtpm-ca " << ca.string() << "\n"
              << "ak-cert " << ak.string() << "\n"
              << "entra-issuer " << c->entra_issuer() << "\n"
              << "entra-discovery " << c->entra_discovery_url() << "\n"
              << "entra-jwks " << c->entra_jwks_url() << "\n"
              << "entra-tenant " << c->imds().issuer().tenant_id() << "\n"
              << "entra-jwks-file " << jwks.string() << std::endl;
    int sig = http::WaitForShutdownSignal();
    c->Stop();
    std::cerr << "stopped on signal " << sig << "\n";
    return 0;
  }
  return 2;
}
