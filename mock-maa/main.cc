// mock-maa: an MAA-compatible attestation service (see mock-maa/README.md).
//   mock-maa [--listen HOST:PORT] [--seed N] [--now RFC3339] [--http]
//            [--amd-root PEM]... [--intel-root PEM]... [--aik-root PEM]... [--no-sample-roots]
//            [--ca-out FILE] [--issuer URL] [--compliance-status TEXT] [--no-test-controls]
#include <cstdio>
#include <iostream>

#include "libskr/base/files.h"
#include "libskr/http/server_cli.h"
#include "mock-maa/server.h"

namespace {

int Fail(const std::string& msg) {
  std::cerr << "mock-maa: " << msg << "\n";
  return 2;
}

constexpr char kHelp[] =
    "  --amd-root FILE          trust the self-signed certificates (ARKs) in this PEM file\n"
    "  --intel-root FILE        trust this Intel SGX root (PEM)\n"
    "  --aik-root FILE          trust this vTPM AIK root (PEM) for AzureGuest\n"
    "  --no-sample-roots        do not trust the real AMD ARKs / Intel root from the shared "
    "samples\n"
    "  --ca-out FILE            write the HTTPS test CA certificate (PEM) here\n"
    "  --issuer URL             token issuer instead of the listening URL\n"
    "  --compliance-status TEXT x-ms-compliance-status value (default azure-compliant-cvm)\n"
    "  --no-test-controls       do not serve /_test/*\n";

skr::Result<std::vector<skr::x509::Certificate>> LoadPem(const std::string& path, bool roots_only) {
  SKR_ASSIGN_OR_RETURN(std::string pem, skr::ReadFileText(path));
  SKR_ASSIGN_OR_RETURN(std::vector<skr::x509::Certificate> certs,
                       skr::x509::CertificatesFromPem(pem));
  if (!roots_only) return certs;
  std::vector<skr::x509::Certificate> out;
  for (auto& c : certs) {
    if (c.is_self_issued()) out.push_back(c);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  skr::http::ServerFlags flags;
  flags.listen.host = "127.0.0.1";
  flags.listen.port = 0;
  auto rest = skr::http::ParseServerFlags(argc, argv, flags);
  if (!rest.ok()) return Fail(rest.error().message());
  if (flags.help) {
    std::cout << "usage: mock-maa [flags]\n" << skr::http::ServerFlagsHelp() << kHelp;
    return 0;
  }
  skr::mock_maa::MaaServerOptions o;
  o.listen = flags.listen;
  o.tls = !flags.plain_http;
  o.service.seed = flags.SeedBytes();
  o.service.now = flags.now;
  bool sample_roots = true;
  std::string ca_out;
  std::vector<std::string>& args = *rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) -> bool {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--no-sample-roots") {
      sample_roots = false;
    } else if (a == "--no-test-controls") {
      o.service.test_controls = false;
    } else if (a == "--amd-root" || a == "--intel-root" || a == "--aik-root") {
      if (!value(v)) return Fail(a + " needs a file");
      auto certs = LoadPem(v, a == "--amd-root");
      if (!certs.ok()) return Fail(a + " " + v + ": " + certs.error().message());
      auto& dst = a == "--amd-root"     ? o.service.amd_roots
                  : a == "--intel-root" ? o.service.intel_roots
                                        : o.service.aik_roots;
      dst.insert(dst.end(), certs->begin(), certs->end());
    } else if (a == "--ca-out") {
      if (!value(ca_out)) return Fail("--ca-out needs a file");
    } else if (a == "--issuer") {
      if (!value(v)) return Fail("--issuer needs a URL");
      o.service.issuer = v;
      o.keep_issuer = true;
    } else if (a == "--compliance-status") {
      if (!value(v)) return Fail("--compliance-status needs a value");
      o.service.compliance_status = v;
    } else {
      return Fail("unknown argument '" + a + "' (see --help)");
    }
  }
  if (sample_roots) {
    if (auto shared = skr::SharedDir()) {
      auto anchors = skr::mock_maa::LoadSampleTrustAnchors(*shared);
      if (!anchors.ok()) return Fail("sample trust anchors: " + anchors.error().message());
      o.service.amd_roots.insert(o.service.amd_roots.end(), anchors->first.begin(),
                                 anchors->first.end());
      o.service.intel_roots.insert(o.service.intel_roots.end(), anchors->second.begin(),
                                   anchors->second.end());
    } else {
      std::cerr << "mock-maa: shared samples not found, real AMD/Intel roots not trusted ("
                << skr::SharedDirHelp() << ")\n";
    }
  }
  auto server = skr::mock_maa::MaaServer::Start(std::move(o));
  if (!server.ok()) return Fail(server.error().ToString());
  if (!ca_out.empty()) {
    auto w = skr::WriteFileBytes(ca_out, skr::AsBytes((*server)->ca_cert_pem()));
    if (!w.ok()) return Fail("--ca-out: " + w.error().message());
  }
  skr::http::PrintListening((*server)->url());
  int sig = skr::http::WaitForShutdownSignal();
  (*server)->Stop();
  std::cerr << "mock-maa: stopped on signal " << sig << "\n";
  return 0;
}
