#include "conformance/harness/steps.h"

#include <chrono>
#include <cstdio>
#include <ostream>

namespace skr::harness {

void StepRunner::Section(std::string title) {
  section_ = std::move(title);
  if (human_) out_ << "\n== " << section_ << "\n" << std::flush;
}

bool StepRunner::Run(std::string name, const std::function<Result<std::string>()>& fn) {
  auto start = std::chrono::steady_clock::now();
  Result<std::string> r = fn();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  StepOutcome o{section_, std::move(name), r.ok(), ms, r.ok() ? *r : r.error().ToString()};
  if (human_) {
    char timing[32];
    std::snprintf(timing, sizeof(timing), "%9.2f ms", ms);
    out_ << (o.ok ? "  [ ok ] " : "  [FAIL] ") << timing << "  " << o.name << "\n";
    if (!o.detail.empty()) out_ << "                        " << o.detail << "\n";
    out_ << std::flush;
  }
  outcomes_.push_back(std::move(o));
  return outcomes_.back().ok;
}

bool StepRunner::all_ok() const {
  for (const auto& o : outcomes_) {
    if (!o.ok) return false;
  }
  return !outcomes_.empty();
}

nlohmann::json StepRunner::Json() const {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& o : outcomes_) {
    steps.push_back({{"section", o.section},
                     {"step", o.name},
                     {"ok", o.ok},
                     {"millis", o.millis},
                     {"detail", o.detail}});
  }
  return {{"ok", all_ok()}, {"steps", steps}};
}

void StepRunner::PrintSummary() {
  size_t failed = 0;
  double total = 0;
  for (const auto& o : outcomes_) {
    failed += o.ok ? 0 : 1;
    total += o.millis;
  }
  out_ << "\n" << outcomes_.size() - failed << " passed, " << failed << " failed";
  char t[32];
  std::snprintf(t, sizeof(t), " (%.1f ms of checks)", total);
  out_ << t << "\n" << std::flush;
}

}  // namespace skr::harness
