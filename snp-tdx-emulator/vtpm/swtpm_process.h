// A swtpm (TPM 2.0) child process on loopback TCP, in the layout the tpm2-tss swtpm TCTI expects:
// commands on port P, control channel on P+1 (anchors.md 3, pitfall 1), started with
// --flags not-need-init,startup-clear so no TPM2_Startup is needed (pitfall 2).
#ifndef SKR_EMULATOR_VTPM_SWTPM_PROCESS_H_
#define SKR_EMULATOR_VTPM_SWTPM_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::emulator::vtpm {

class SwtpmProcess {
 public:
  struct Options {
    // Empty: a fresh temp state dir, deleted on stop (non-persisted). Otherwise: this dir is used
    // (created if missing) and kept, so NV indices and persistent keys survive a restart.
    std::filesystem::path state_dir;
    std::string swtpm_binary = "/usr/bin/swtpm";
    // 32 bytes: swtpm draws all its entropy from a ChaCha20 stream under this key (the
    // skr_seeded_rand OpenSSL provider, loaded into swtpm only), so the TPM's seeds (EPS, hence EK
    // and AK; the NULL seed) are the same on every run with the same key. Empty: the OS RNG.
    Bytes entropy_key;
  };

  // Starts swtpm on a free port pair, retrying on port collisions; returns once it accepts
  // connections. The child gets PR_SET_PDEATHSIG(SIGKILL), so it dies with the starting thread.
  static Result<std::unique_ptr<SwtpmProcess>> Start(const Options& options);
  static Result<std::unique_ptr<SwtpmProcess>> Start() { return Start(Options{}); }
  ~SwtpmProcess();  // Stop()
  SwtpmProcess(const SwtpmProcess&) = delete;
  SwtpmProcess& operator=(const SwtpmProcess&) = delete;

  // Terminates swtpm (SIGTERM, then SIGKILL after 2 s), reaps it, deletes a temp state dir.
  void Stop();

  uint16_t port() const { return port_; }
  uint16_t ctrl_port() const { return static_cast<uint16_t>(port_ + 1); }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& state_dir() const { return state_dir_; }
  // "swtpm:host=127.0.0.1,port=P" (direct, bypassing any paravisor).
  std::string tcti() const;

 private:
  SwtpmProcess() = default;

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::filesystem::path state_dir_;
  bool temp_dir_ = false;
};

}  // namespace skr::emulator::vtpm

#endif  // SKR_EMULATOR_VTPM_SWTPM_PROCESS_H_
