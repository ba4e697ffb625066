// Time for servers and validators: a Clock interface so tests and `--now` runs use fixed time
// instead of the wall clock (HELPERS.md: tests never depend on wall-clock time), and RFC 3339
// parsing/formatting for flags and messages.
#ifndef SKR_BASE_CLOCK_H_
#define SKR_BASE_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "libskr/base/result.h"

namespace skr {

// Seconds since the Unix epoch (UTC), as JWT claims and Key Vault attributes use.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t Now() const = 0;
};

// The system wall clock.
class SystemClock final : public Clock {
 public:
  int64_t Now() const override;
};

// A clock that only moves when told to; thread-safe.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(int64_t now) : now_(now) {}
  int64_t Now() const override { return now_.load(); }
  void Set(int64_t now) { now_.store(now); }
  void Advance(int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<int64_t> now_;
};

// Parses an RFC 3339 date-time ("2026-11-23T07:00:00Z", fractional seconds ignored, numeric
// offsets "+01:00" applied) to Unix seconds. kMalformed with the offending text otherwise.
Result<int64_t> ParseRfc3339(std::string_view text);
// "2026-11-23T07:00:00Z".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace skr

#endif  // SKR_BASE_CLOCK_H_
