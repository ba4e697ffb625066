// Conformance checks: named, categorized functions over a target (the emulated stack or live
// endpoints) that pass, fail or skip with a message; a runner with a glob filter, a readable
// summary and JUnit XML for CI systems (what `skr-harness conformance` prints and writes).
#ifndef SKR_CONFORMANCE_HARNESS_CHECKS_H_
#define SKR_CONFORMANCE_HARNESS_CHECKS_H_

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace skr::harness {

class ConformanceTarget;

enum class CheckCategory { kEvidence, kMaa, kKeyVault, kClient, kEndToEnd };
std::string_view CheckCategoryName(CheckCategory category);  // "evidence", ..., "end-to-end"

struct CheckResult {
  enum class Status { kPass, kFail, kSkip };
  Status status = Status::kFail;
  std::string message;  // what held, what failed (expected vs found), or why skipped

  static CheckResult Pass(std::string m = "") { return {Status::kPass, std::move(m)}; }
  static CheckResult Fail(std::string m) { return {Status::kFail, std::move(m)}; }
  static CheckResult Skip(std::string m) { return {Status::kSkip, std::move(m)}; }
};

struct Check {
  std::string id;  // "keyvault.bearer.expired": category first, dot-separated
  CheckCategory category;
  std::string description;
  std::function<CheckResult(ConformanceTarget&)> run;
};

struct CheckOutcome {
  std::string id;
  CheckCategory category;
  std::string description;
  CheckResult result;
  double seconds = 0;
};

// Shell-style glob: '*' any run of characters, '?' one character. Several patterns may be given
// separated by ':' (as --gtest_filter does); a pattern starting with '-' excludes.
bool MatchesFilter(std::string_view filter, std::string_view id);

// Runs the checks whose id matches `filter` (empty: all) in order; an exception thrown by a check
// is its failure. With `progress`, prints one line per check as it completes.
std::vector<CheckOutcome> RunChecks(const std::vector<Check>& checks, ConformanceTarget& target,
                                    std::string_view filter, std::ostream* progress);

struct Totals {
  size_t passed = 0, failed = 0, skipped = 0;
  double seconds = 0;
  size_t total() const { return passed + failed + skipped; }
};
Totals Tally(const std::vector<CheckOutcome>& outcomes);

// "PASS  keyvault.bearer.expired  (12.3 ms)" and, for failures and skips, the message.
std::string OutcomeLine(const CheckOutcome& o);
// JUnit XML: <testsuites><testsuite name=suite tests failures skipped time><testcase
// classname=category name=id time><failure message>|<skipped message>.
std::string JUnitXml(const std::vector<CheckOutcome>& outcomes, std::string_view suite);
std::string XmlEscape(std::string_view text);
nlohmann::json OutcomesJson(const std::vector<CheckOutcome>& outcomes);

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_CHECKS_H_
