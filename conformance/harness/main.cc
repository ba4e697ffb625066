// skr-harness: runs the emulated SKR stack (demo) and, as issues land, serves it and checks
// conformance.
#include <CLI/CLI.hpp>
#include <iostream>

#include "conformance/harness/demo.h"

int main(int argc, char** argv) {
  CLI::App app{"skr-harness: Azure Secure Key Release, emulated end to end"};
  app.require_subcommand(1);

  skr::harness::DemoOptions demo;
  CLI::App* demo_cmd = app.add_subcommand(
      "demo",
      "Run every end-to-end path that exists and check each step (exit 0 only if all hold)");
  demo_cmd->add_option("--seed", demo.seed, "Seed for every emulated key and report")
      ->capture_default_str();
  demo_cmd->add_flag("--json", demo.json, "Print one JSON document instead of the readable report");

  CLI11_PARSE(app, argc, argv);
  if (demo_cmd->parsed()) return skr::harness::RunDemo(demo, std::cout);
  return 2;
}
