#include "conformance/harness/checks.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <ostream>

namespace skr::harness {

std::string_view CheckCategoryName(CheckCategory category) {
  switch (category) {
    case CheckCategory::kEvidence:
      return "evidence";
    case CheckCategory::kMaa:
      return "maa";
    case CheckCategory::kKeyVault:
      return "keyvault";
    case CheckCategory::kClient:
      return "client";
    case CheckCategory::kEndToEnd:
      return "end-to-end";
  }
  return "?";
}

namespace {

bool Glob(std::string_view p, std::string_view s) {
  // Iterative matcher with backtracking to the last '*'.
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == s[si])) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string Millis(double seconds) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.1f ms", seconds * 1000);
  return b;
}

}  // namespace

bool MatchesFilter(std::string_view filter, std::string_view id) {
  if (filter.empty()) return true;
  bool any_positive = false, included = false;
  size_t start = 0;
  while (start <= filter.size()) {
    size_t end = filter.find(':', start);
    if (end == std::string_view::npos) end = filter.size();
    std::string_view pat = filter.substr(start, end - start);
    if (!pat.empty() && pat.front() == '-') {
      if (Glob(pat.substr(1), id)) return false;
    } else if (!pat.empty()) {
      any_positive = true;
      included = included || Glob(pat, id);
    }
    start = end + 1;
  }
  return any_positive ? included : true;
}

std::vector<CheckOutcome> RunChecks(const std::vector<Check>& checks, ConformanceTarget& target,
                                    std::string_view filter, std::ostream* progress) {
  std::vector<CheckOutcome> out;
  for (const Check& c : checks) {
    if (!MatchesFilter(filter, c.id)) continue;
    const auto start = std::chrono::steady_clock::now();
    CheckResult r;
    try {
      r = c.run(target);
    } catch (const std::exception& e) {
      r = CheckResult::Fail(std::string("exception: ") + e.what());
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.push_back({c.id, c.category, c.description, std::move(r), s});
    if (progress) *progress << OutcomeLine(out.back()) << "\n" << std::flush;
  }
  return out;
}

Totals Tally(const std::vector<CheckOutcome>& outcomes) {
  Totals t;
  for (const auto& o : outcomes) {
    t.seconds += o.seconds;
    switch (o.result.status) {
      case CheckResult::Status::kPass:
        ++t.passed;
        break;
      case CheckResult::Status::kFail:
        ++t.failed;
        break;
      case CheckResult::Status::kSkip:
        ++t.skipped;
        break;
    }
  }
  return t;
}

std::string OutcomeLine(const CheckOutcome& o) {
  const char* tag = o.result.status == CheckResult::Status::kPass   ? "PASS"
                    : o.result.status == CheckResult::Status::kSkip ? "SKIP"
                                                                    : "FAIL";
  std::string line = std::string(tag) + "  " + o.id + "  (" + Millis(o.seconds) + ")";
  if (o.result.status != CheckResult::Status::kPass && !o.result.message.empty()) {
    line += "\n      " + o.result.message;
  }
  return line;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 even as references.
        out += c < 0x20 ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

std::string JUnitXml(const std::vector<CheckOutcome>& outcomes, std::string_view suite) {
  const Totals t = Tally(outcomes);
  char time[32];
  std::snprintf(time, sizeof(time), "%.3f", t.seconds);
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  const std::string counts = " tests=\"" + std::to_string(t.total()) + "\" failures=\"" +
                             std::to_string(t.failed) + "\" errors=\"0\" skipped=\"" +
                             std::to_string(t.skipped) + "\" time=\"" + time + "\"";
  x += "<testsuites name=\"" + XmlEscape(suite) + "\"" + counts + ">\n";
  x += "  <testsuite name=\"" + XmlEscape(suite) + "\"" + counts + ">\n";
  for (const auto& o : outcomes) {
    std::snprintf(time, sizeof(time), "%.3f", o.seconds);
    x += "    <testcase classname=\"" + XmlEscape(CheckCategoryName(o.category)) + "\" name=\"" +
         XmlEscape(o.id) + "\" time=\"" + time + "\"";
    switch (o.result.status) {
      case CheckResult::Status::kPass:
        x += "/>\n";
        break;
      case CheckResult::Status::kFail:
        x += ">\n      <failure message=\"" + XmlEscape(o.result.message) + "\">" +
             XmlEscape(o.description) + "</failure>\n    </testcase>\n";
        break;
      case CheckResult::Status::kSkip:
        x += ">\n      <skipped message=\"" + XmlEscape(o.result.message) +
             "\"/>\n    </testcase>\n";
        break;
    }
  }
  x += "  </testsuite>\n</testsuites>\n";
  return x;
}

nlohmann::json OutcomesJson(const std::vector<CheckOutcome>& outcomes) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& o : outcomes) {
    const char* s = o.result.status == CheckResult::Status::kPass   ? "pass"
                    : o.result.status == CheckResult::Status::kSkip ? "skip"
                                                                    : "fail";
    checks.push_back({{"id", o.id},
                      {"category", CheckCategoryName(o.category)},
                      {"description", o.description},
                      {"status", s},
                      {"seconds", o.seconds},
                      {"message", o.result.message}});
  }
  const Totals t = Tally(outcomes);
  return {{"passed", t.passed},
          {"failed", t.failed},
          {"skipped", t.skipped},
          {"seconds", t.seconds},
          {"checks", checks}};
}

}  // namespace skr::harness
