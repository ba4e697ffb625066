#include "snp-tdx-emulator/vtpm/swtpm_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "libskr/base/files.h"
#include "libskr/encoding/encoding.h"
#include "snp-tdx-emulator/vtpm/net.h"

namespace skr::emulator::vtpm {
namespace {

// Waits up to `timeout` for the child to exit; true if it was reaped.
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

constexpr char kEntropyKeyVariable[] = "SKR_SWTPM_ENTROPY_KEY";

// The OpenSSL configuration that makes skr_seeded_rand's "SKR-SEEDED" the DRBG of every OpenSSL
// context in swtpm (OpenSSL 3.0 config(5): the `random` section's `random` names the DRBG); the
// default provider stays active for everything else.
std::string SeededRandConfig(const std::string& module_path) {
  return "openssl_conf = skr_init\n"
         "[skr_init]\n"
         "providers = skr_providers\n"
         "random = skr_random\n"
         "[skr_providers]\n"
         "default = skr_default_provider\n"
         "skr_seeded = skr_seeded_provider\n"
         "[skr_default_provider]\n"
         "activate = 1\n"
         "[skr_seeded_provider]\n"
         "module = " +
         module_path +
         "\n"
         "activate = 1\n"
         "[skr_random]\n"
         "random = SKR-SEEDED\n";
}

// Forks and execs swtpm; argv and environment are built before fork so the child only makes
// async-signal-safe calls.
Result<pid_t> Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
                    const std::string& log_path) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return Unavailable("cannot open swtpm log " + log_path + ": " + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Unavailable(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // Never outlive the parent (e.g. a test binary killed by a timeout).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  return pid;
}

}  // namespace

std::string SwtpmProcess::tcti() const {
  return "swtpm:host=127.0.0.1,port=" + std::to_string(port_);
}

Result<std::unique_ptr<SwtpmProcess>> SwtpmProcess::Start(const Options& options) {
  std::unique_ptr<SwtpmProcess> p(new SwtpmProcess());
  if (options.state_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "skr-swtpm-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Unavailable("mkdtemp " + tmpl + ": " + std::strerror(errno));
    }
    p->state_dir_ = tmpl;
    p->temp_dir_ = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(options.state_dir, ec);
    if (ec) {
      return Unavailable("cannot create swtpm state dir " + options.state_dir.string() + ": " +
                         ec.message());
    }
    p->state_dir_ = std::filesystem::absolute(options.state_dir);
  }
  const std::string log_path = (p->state_dir_ / "swtpm.log").string();

  // swtpm inherits our environment, minus any OpenSSL configuration of ours unless the entropy is
  // seeded, in which case it gets the seeded-entropy configuration and key.
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view v(*e);
    if (v.starts_with("OPENSSL_CONF=") || v.starts_with(kEntropyKeyVariable)) continue;
    env.emplace_back(v);
  }
  if (!options.entropy_key.empty()) {
    if (options.entropy_key.size() != 32) {
      return InvalidArgument("SwtpmProcess: entropy_key is " +
                             std::to_string(options.entropy_key.size()) +
                             " bytes; it must be 32 (or empty for the OS RNG)");
    }
    const std::filesystem::path module = SKR_SEEDED_RAND_MODULE;
    if (!std::filesystem::exists(module)) {
      return Unavailable("the seeded-entropy OpenSSL provider " + module.string() +
                         " is missing; build the skr_seeded_rand target (cmake --build "
                         "build --target skr_seeded_rand)");
    }
    const std::filesystem::path conf = p->state_dir_ / "swtpm-openssl.cnf";
    SKR_RETURN_IF_ERROR(WriteFileBytes(conf, AsBytes(SeededRandConfig(module.string()))));
    env.push_back("OPENSSL_CONF=" + conf.string());
    env.push_back(std::string(kEntropyKeyVariable) + "=" +
                  encoding::HexEncode(options.entropy_key));
  }

  std::string last_error = "no attempt";
  for (int attempt = 0; attempt < 8; ++attempt) {
    SKR_ASSIGN_OR_RETURN(uint16_t port, FindFreePortPair());
    const std::string ps = std::to_string(port);
    const std::string cs = std::to_string(port + 1);
    std::vector<std::string> args = {
        options.swtpm_binary,
        "socket",
        "--tpm2",
        "--tpmstate",
        "dir=" + p->state_dir_.string(),
        "--server",
        "type=tcp,port=" + ps + ",bindaddr=127.0.0.1",
        "--ctrl",
        "type=tcp,port=" + cs + ",bindaddr=127.0.0.1",
        "--flags",
        "not-need-init,startup-clear",
    };
    SKR_ASSIGN_OR_RETURN(pid_t pid, Spawn(args, env, log_path));
    // Ready when both ports accept; an early exit means a port collision (or a broken setup).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool ready = false, exited = false;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (ConnectLoopback(port).ok() && ConnectLoopback(static_cast<uint16_t>(port + 1)).ok()) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (ready) {
      p->pid_ = pid;
      p->port_ = port;
      return p;
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      WaitExit(pid, std::chrono::seconds(2), &status);
      last_error = "swtpm did not accept connections on port " + ps + " within 10 s";
    } else {
      last_error =
          "swtpm exited with status " + std::to_string(status) + " (log: " + log_path + ")";
    }
  }
  return Unavailable("could not start swtpm after 8 attempts; last: " + last_error);
}

void SwtpmProcess::Stop() {
  if (pid_ > 0) {
    int status = 0;
    ::kill(pid_, SIGTERM);
    if (!WaitExit(pid_, std::chrono::seconds(2), &status)) {
      ::kill(pid_, SIGKILL);
      WaitExit(pid_, std::chrono::seconds(5), &status);
    }
    pid_ = -1;
  }
  if (temp_dir_ && !state_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(state_dir_, ec);
    temp_dir_ = false;
  }
}

SwtpmProcess::~SwtpmProcess() { Stop(); }

}  // namespace skr::emulator::vtpm
