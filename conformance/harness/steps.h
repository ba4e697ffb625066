// A sequence of named, timed checks with a readable or JSON report (what `skr-harness demo`
// prints).
#ifndef SKR_CONFORMANCE_HARNESS_STEPS_H_
#define SKR_CONFORMANCE_HARNESS_STEPS_H_

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libskr/base/result.h"

namespace skr::harness {

struct StepOutcome {
  std::string section;
  std::string name;
  bool ok = false;
  double millis = 0;
  std::string detail;  // what was checked and found, or the error
};

class StepRunner {
 public:
  // human == true prints each step as it completes to `out`; false prints nothing until Json().
  StepRunner(std::ostream& out, bool human) : out_(out), human_(human) {}

  void Section(std::string title);
  // Runs `fn`, times it, records and (in human mode) prints the outcome. Returns whether it held.
  bool Run(std::string name, const std::function<Result<std::string>()>& fn);

  bool all_ok() const;
  const std::vector<StepOutcome>& outcomes() const { return outcomes_; }
  nlohmann::json Json() const;
  void PrintSummary();

 private:
  std::ostream& out_;
  bool human_;
  std::string section_;
  std::vector<StepOutcome> outcomes_;
};

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_STEPS_H_
