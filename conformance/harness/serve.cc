#include "conformance/harness/serve.h"

#include <cstdlib>
#include <iostream>

#include "conformance/harness/stack.h"
#include "libskr/base/files.h"
#include "libskr/http/server_cli.h"

namespace skr::harness {

int RunServe(const ServeOptions& options, std::ostream& out) {
  auto kind = emulator::cvm::CvmKindFromName(options.kind);
  if (!kind.ok()) {
    std::cerr << "skr-harness serve: " << kind.error().ToString() << "\n";
    return 2;
  }
  std::filesystem::path dir = options.out_dir;
  if (dir.empty()) {
    std::string t = (std::filesystem::temp_directory_path() / "skr-harness-XXXXXX").string();
    if (::mkdtemp(t.data()) == nullptr) {
      std::cerr << "skr-harness serve: cannot create a temporary directory\n";
      return 1;
    }
    dir = t;
  } else if (std::error_code ec; !std::filesystem::create_directories(dir, ec) && ec) {
    std::cerr << "skr-harness serve: cannot create --out-dir " << dir << ": " << ec.message()
              << "\n";
    return 1;
  }
  StackOptions so;
  so.seed = options.seed;
  so.now = options.now;
  emulator::cvm::CvmOptions cvm;
  cvm.kind = *kind;
  so.cvms = {cvm};
  auto stack = EmulatedStack::Start(std::move(so));
  if (!stack.ok()) {
    std::cerr << "skr-harness serve: " << stack.error().ToString() << "\n";
    return 1;
  }
  EmulatedStack& s = **stack;
  const std::string isolation = emulator::cvm::IsSnp(*kind) ? "sevsnpvm" : "tdxvm";
  auto key = s.CreateExportableKey("demo-key", "RSA-HSM", 2048, s.ReleasePolicyFor(isolation));
  if (!key.ok()) {
    std::cerr << "skr-harness serve: " << key.error().ToString() << "\n";
    return 1;
  }
  const std::filesystem::path ca = dir / "ca-bundle.pem";
  if (auto w = WriteFileBytes(ca, AsBytes(s.ca_bundle_pem())); !w.ok()) {
    std::cerr << "skr-harness serve: " << w.error().ToString() << "\n";
    return 1;
  }
  emulator::cvm::EmulatedCvm& c = s.cvm(0);
  http::InstallShutdownHandlers();  // before announcing: a SIGTERM right after must stop cleanly
  if (options.json) {
    nlohmann::json j = {{"maa_url", s.maa().url()},         {"vault_url", s.vault().url()},
                        {"imds_url", c.imds_url()},         {"tcti", c.tcti()},
                        {"ca_bundle", ca.string()},         {"key_id", key->kid},
                        {"entra_issuer", c.entra_issuer()}, {"cvm", options.kind}};
    out << j.dump() << "\n" << std::flush;
  } else {
    out << "listening on " << s.maa().url() << "\n"
        << "skr-harness serve: emulated " << options.kind << " CVM, mock-maa and mock-kv are up "
        << "(seed " << options.seed << ")\n\n"
        << "  MAA            " << s.maa().url() << "\n"
        << "  Key Vault      " << s.vault().url() << "\n"
        << "  IMDS           " << c.imds_url() << "\n"
        << "  vTPM TCTI      " << c.tcti() << "\n"
        << "  CA bundle      " << ca.string() << "\n"
        << "  Entra issuer   " << c.entra_issuer() << "\n"
        << "  demo key       " << key->kid << " (exportable, release policy: " << isolation
        << " from this MAA)\n\n"
        << "Paste into a shell:\n"
        << "  export SKR_TCTI='" << c.tcti() << "' TPM2TOOLS_TCTI='" << c.tcti() << "'\n"
        << "  export SKR_IMDS_URL=" << c.imds_url() << " SKR_MAA_URL=" << s.maa().url()
        << " SKR_VAULT_URL=" << s.vault().url() << "\n"
        << "  export SKR_CA_BUNDLE=" << ca.string() << " SSL_CERT_FILE=" << ca.string() << "\n"
        << "  build/bin/skr release --key-id " << key->kid << "\n"
        << "  tpm2_nvread -C o 0x01400001 | head -c 64 | xxd\n\n"
        << "Ctrl-C (SIGINT) or SIGTERM stops everything.\n"
        << std::flush;
  }
  int sig = http::WaitForShutdownSignal();
  std::cerr << "skr-harness serve: signal " << sig << ", stopping\n";
  return 0;
}

}  // namespace skr::harness
