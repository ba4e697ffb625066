// The command line shared by every server binary (mock-kv, mock-maa, ...):
//   --listen HOST:PORT   address to bind (PORT 0: a free port)
//   --seed N             unsigned integer; all keys and certificates derive from it
//   --now RFC3339        freeze the service clock at this time (deterministic runs)
//   --http               plain HTTP instead of the default HTTPS
// and the start/stop protocol: the first line on stdout is "listening on <URL>", and the server
// runs until SIGINT or SIGTERM.
#ifndef SKR_HTTP_SERVER_CLI_H_
#define SKR_HTTP_SERVER_CLI_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/clock.h"
#include "libskr/base/result.h"
#include "libskr/http/server.h"

namespace skr::http {

struct ServerFlags {
  ListenAddress listen;
  uint64_t seed = 0;
  std::optional<int64_t> now;  // Unix seconds from --now
  bool plain_http = false;
  bool help = false;  // --help / -h was given

  // The seed as DRBG entropy: its 8 big-endian bytes.
  Bytes SeedBytes() const;
  // A FixedClock at --now, else the system clock.
  std::unique_ptr<Clock> MakeClock() const;
};

// Consumes the common flags (both "--flag value" and "--flag=value") from argv[1..] into
// `flags`, which holds the binary's defaults on entry. Returns the other arguments, in order, for
// the binary to parse. kInvalidArgument naming the flag for a bad or missing value.
Result<std::vector<std::string>> ParseServerFlags(int argc, char** argv, ServerFlags& flags);
// Help text for the common flags, one per line.
std::string ServerFlagsHelp();

// Installs the SIGINT/SIGTERM handlers WaitForShutdownSignal() waits on (idempotent). Call it
// before announcing readiness, so a signal sent right after the announcement is a clean stop.
void InstallShutdownHandlers();
// Installs the shutdown handlers, then prints "listening on <url>" as one line on stdout and
// flushes it.
void PrintListening(std::string_view url);

// Blocks until SIGINT or SIGTERM arrives and returns its number. Installs handlers that write to
// a self-pipe on first use, so it works whatever thread the signal is delivered to.
int WaitForShutdownSignal();

}  // namespace skr::http

#endif  // SKR_HTTP_SERVER_CLI_H_
