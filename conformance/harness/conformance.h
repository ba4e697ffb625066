// `skr-harness conformance`: every conformance check (the negative matrix plus positive
// end-to-end checks) against the emulated stack, or, with --live, against real endpoints from
// flags / environment; a readable summary or JSON, JUnit XML, exit 1 on any failure.
#ifndef SKR_CONFORMANCE_HARNESS_CONFORMANCE_H_
#define SKR_CONFORMANCE_HARNESS_CONFORMANCE_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "conformance/harness/checks.h"
#include "conformance/harness/target.h"

namespace skr::harness {

struct ConformanceOptions {
  uint64_t seed = 1;
  std::string junit_path;  // empty: no JUnit file
  std::string filter;      // globs separated by ':', '-' excludes
  bool json = false;
  bool live = false;
  LiveEndpoints endpoints;  // live mode: environment, overridden by flags
};

// Positive checks: the flows that must work (so that the negatives refuse one thing each), and the
// read-only checks live mode can run against a real MAA and a real CVM's TPM.
std::vector<Check> PositiveChecks();
// The positive checks, then the negative matrix.
std::vector<Check> AllChecks();

// Exit status: 0 when no check failed, 1 otherwise (or the stack did not start), 2 when the JUnit
// file cannot be written or the live CA bundle cannot be read.
int RunConformance(const ConformanceOptions& options, std::ostream& out);

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_CONFORMANCE_H_
