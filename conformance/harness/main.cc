// skr-harness: the emulated Azure Secure Key Release stack, end to end (demo), kept up for other
// clients (serve).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (demo_cmd->parsed()) return skr::harness::RunDemo(demo, std::cout);
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
