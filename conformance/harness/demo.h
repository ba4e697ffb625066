// `skr-harness demo`: the end-to-end paths that exist, shown step by step with timings.
#ifndef SKR_CONFORMANCE_HARNESS_DEMO_H_
#define SKR_CONFORMANCE_HARNESS_DEMO_H_

#include <cstdint>
#include <iosfwd>

namespace skr::harness {

struct DemoOptions {
  uint64_t seed = 1;
  bool json = false;
};

// Runs the demo, writing the report to `out`. Returns the process exit code: 0 only if every check
// held.
int RunDemo(const DemoOptions& options, std::ostream& out);

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_DEMO_H_
