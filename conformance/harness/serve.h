// `skr-harness serve`: the emulated stack kept up for the user's own application, an Azure SDK or
// tpm2-tools, with every URL, TCTI string and CA bundle printed.
#ifndef SKR_CONFORMANCE_HARNESS_SERVE_H_
#define SKR_CONFORMANCE_HARNESS_SERVE_H_

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace skr::harness {

struct ServeOptions {
  uint64_t seed = 1;
  std::optional<int64_t> now;
  std::string kind = "snp-milan";  // snp-milan | snp-genoa | snp-turin | tdx
  std::filesystem::path out_dir;   // where the CA bundle is written; empty: a temp dir
  bool json = false;
};

// Starts the stack, prints how to reach it, creates a demo key, and runs until SIGINT/SIGTERM.
int RunServe(const ServeOptions& options, std::ostream& out);

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_SERVE_H_
