// skr-harness: the emulated Azure Secure Key Release stack, end to end (demo), kept up for other
// clients (serve), and the conformance checks against it or real services (conformance).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "conformance/harness/conformance.h"
#include "conformance/harness/demo.h"
#include "conformance/harness/serve.h"
#include "libskr/base/clock.h"

int main(int argc, char** argv) {
  // tpm2-tss logs every TPM error response; the harness reports failures itself.
  setenv("TSS2_LOG", "all+NONE", /*overwrite=*/0);
  CLI::App app{"skr-harness: Azure Secure Key Release, emulated end to end"};
  app.require_subcommand(1);

  skr::harness::DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand(
      "demo", "Run the whole SKR flow for an SEV-SNP and a TDX CVM, then a refused release");
  demo_cmd->add_option("--seed", demo.seed, "Seed for every emulated key and report")
      ->capture_default_str();
  demo_cmd->add_flag("--json", demo.json, "Print one JSON document instead of the readable report");

  skr::harness::ServeOptions serve;
  std::string serve_now;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Start the emulated CVM, mock-maa and mock-kv and keep them up until SIGINT/SIGTERM");
  serve_cmd->add_option("--seed", serve.seed, "Seed")->capture_default_str();
  serve_cmd->add_option("--cvm", serve.kind, "snp-milan | snp-genoa | snp-turin | tdx")
      ->capture_default_str();
  serve_cmd->add_option("--now", serve_now, "Freeze the services' clock (RFC 3339)");
  serve_cmd->add_option("--out-dir", serve.out_dir, "Where to write the CA bundle");
  serve_cmd->add_flag("--json", serve.json, "Print the endpoints as one JSON line");

  skr::harness::ConformanceOptions conf;
  conf.endpoints = skr::harness::LiveEndpoints::FromEnvironment();
  CLI::App* conf_cmd = app.add_subcommand(
      "conformance",
      "Run the conformance checks (negative matrix, end-to-end) against the emulated stack, or "
      "with --live against real endpoints; exit 1 on any failure");
  conf_cmd->add_option("--seed", conf.seed, "Seed of the emulated stack")->capture_default_str();
  conf_cmd->add_option("--junit", conf.junit_path, "Write JUnit XML to this file");
  conf_cmd->add_option("--filter", conf.filter,
                       "Check ids to run: globs separated by ':', a leading '-' excludes");
  conf_cmd->add_flag("--json", conf.json, "Print one JSON document instead of the summary");
  conf_cmd->add_flag("--live", conf.live,
                     "Against real services (SKR_MAA_URL, SKR_VAULT_URL, SKR_KV_BEARER_TOKEN, "
                     "SKR_TCTI, SKR_IMDS_URL, SKR_CA_BUNDLE or the flags below)");
  conf_cmd->add_option("--maa-url", conf.endpoints.maa_url, "Live: MAA base URL (SKR_MAA_URL)");
  conf_cmd->add_option("--vault-url", conf.endpoints.vault_url,
                       "Live: Key Vault URL (SKR_VAULT_URL)");
  conf_cmd->add_option("--tcti", conf.endpoints.tcti, "Live: the CVM's TPM TCTI (SKR_TCTI)");
  conf_cmd->add_option("--imds-url", conf.endpoints.imds_url, "Live: IMDS URL (SKR_IMDS_URL)");
  conf_cmd->add_option("--ca-bundle", conf.endpoints.ca_bundle_file,
                       "Live: PEM CA bundle instead of the system roots (SKR_CA_BUNDLE)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (demo_cmd->parsed()) return skr::harness::RunDemo(demo, std::cout);
  if (conf_cmd->parsed()) {
    if (!conf.live && (!conf_cmd->get_option("--maa-url")->empty() ||
                       !conf_cmd->get_option("--vault-url")->empty() ||
                       !conf_cmd->get_option("--tcti")->empty())) {
      std::cerr << "skr-harness conformance: endpoint flags need --live\n";
      return 2;
    }
    return skr::harness::RunConformance(conf, std::cout);
  }
  if (serve_cmd->parsed()) {
    if (!serve_now.empty()) {
      auto t = skr::ParseRfc3339(serve_now);
      if (!t.ok()) {
        std::cerr << "skr-harness serve: --now: " << t.error().ToString() << "\n";
        return 2;
      }
      serve.now = *t;
    }
    return skr::harness::RunServe(serve, std::cout);
  }
  return 2;
}
