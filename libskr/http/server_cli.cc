#include "libskr/http/server_cli.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace skr::http {

Bytes ServerFlags::SeedBytes() const {
  ByteWriter w;
  w.AppendU64Be(seed);
  return std::move(w).Take();
}

std::unique_ptr<Clock> ServerFlags::MakeClock() const {
  if (now) return std::make_unique<FixedClock>(*now);
  return std::make_unique<SystemClock>();
}

Result<std::vector<std::string>> ParseServerFlags(int argc, char** argv, ServerFlags& flags) {
  std::vector<std::string> rest;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string name = arg, value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        has_inline = true;
      }
    }
    auto take_value = [&]() -> Result<std::string> {
      if (has_inline) return value;
      if (i + 1 >= argc) return InvalidArgument("flag " + name + " needs a value");
      return std::string(argv[++i]);
    };
    if (name == "--listen") {
      SKR_ASSIGN_OR_RETURN(std::string v, take_value());
      auto l = ParseListen(v);
      if (!l.ok()) return InvalidArgument("--listen: " + l.error().message());
      flags.listen = *l;
    } else if (name == "--seed") {
      SKR_ASSIGN_OR_RETURN(std::string v, take_value());
      if (v.empty() || v.size() > 20 || v.find_first_not_of("0123456789") != std::string::npos) {
        return InvalidArgument("--seed \"" + v + "\": expected an unsigned decimal integer");
      }
      errno = 0;
      unsigned long long s = std::strtoull(v.c_str(), nullptr, 10);
      if (errno == ERANGE) return InvalidArgument("--seed \"" + v + "\": larger than 2^64-1");
      flags.seed = s;
    } else if (name == "--now") {
      SKR_ASSIGN_OR_RETURN(std::string v, take_value());
      auto t = ParseRfc3339(v);
      if (!t.ok()) return InvalidArgument("--now: " + t.error().message());
      flags.now = *t;
    } else if (name == "--http") {
      if (has_inline) return InvalidArgument("--http takes no value");
      flags.plain_http = true;
    } else if (name == "--help" || name == "-h") {
      flags.help = true;
    } else {
      rest.push_back(arg);
    }
  }
  return rest;
}

std::string ServerFlagsHelp() {
  return "  --listen HOST:PORT   address to bind; port 0 picks a free port (printed on start)\n"
         "  --seed N             unsigned integer seed; keys and certificates derive from it\n"
         "  --now RFC3339        freeze the service clock at this time, e.g. "
         "2026-01-01T00:00:00Z\n"
         "  --http               serve plain HTTP instead of HTTPS\n"
         "  --help               this text\n";
}

namespace {

int g_signal_pipe[2] = {-1, -1};

void OnShutdownSignal(int sig) {
  unsigned char b = static_cast<unsigned char>(sig);
  int saved = errno;
  [[maybe_unused]] ssize_t n = write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

}  // namespace

void InstallShutdownHandlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) return;
    struct sigaction sa {};
    sa.sa_handler = OnShutdownSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a client closing early must not kill the server
  });
}

void PrintListening(std::string_view url) {
  // Handlers first: whoever reads this line may send SIGTERM at once, and that must be a clean
  // stop.
  InstallShutdownHandlers();
  std::fprintf(stdout, "listening on %.*s\n", static_cast<int>(url.size()), url.data());
  std::fflush(stdout);
}

int WaitForShutdownSignal() {
  InstallShutdownHandlers();
  unsigned char b = 0;
  while (true) {
    ssize_t n = read(g_signal_pipe[0], &b, 1);
    if (n == 1) return b;
    if (n < 0 && errno == EINTR) continue;
    return SIGTERM;  // the pipe failed: treat as a request to stop
  }
}

}  // namespace skr::http
