// `skr-harness demo` as `make demo` runs it, twice with one seed and once with another: the same
// seed gives the same decisions and the same evidence (HCL and hardware report digests, the
// released key), another seed other evidence and the same decisions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libskr/testing/process.h"

namespace skr::harness {
namespace {

using nlohmann::json;

const std::string kBin = SKR_BINARY_DIR "/bin/";

json RunDemo(int seed) {
  ::skr::testing::ShellResult r = ::skr::testing::RunShell(
      "TSS2_LOG=all+NONE " + kBin + "skr-harness demo --json --seed " + std::to_string(seed));
  EXPECT_EQ(r.status, 0) << r.output;
  json j = json::parse(r.output, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << r.output;
  return j;
}

// The steps whose detail is evidence (not URLs with ports or timings).
bool IsEvidenceStep(const std::string& step) {
  return step.starts_with("guest: open the vTPM") || step.starts_with("guest: fresh HCL report") ||
         step.starts_with("check: the released key");
}

struct Digest {
  std::vector<std::pair<std::string, bool>> decisions;  // step -> held
  std::vector<std::string> evidence;                    // details of the evidence steps
};

Digest Summarise(const json& demo) {
  Digest d;
  for (const json& s : demo.value("steps", json::array())) {
    const std::string step = s.value("step", "");
    d.decisions.emplace_back(step, s.value("ok", false));
    if (IsEvidenceStep(step)) d.evidence.push_back(s.value("detail", ""));
  }
  return d;
}

TEST(Demo, SameSeedSameDecisionsAndEvidenceOtherSeedOtherEvidence) {
  const json a = RunDemo(7);
  const json b = RunDemo(7);
  const json c = RunDemo(8);
  ASSERT_TRUE(a.value("ok", false));
  ASSERT_TRUE(c.value("ok", false));
  const Digest da = Summarise(a), db = Summarise(b), dc = Summarise(c);
  // Two CVMs x (boot report, fresh report, released key).
  ASSERT_EQ(da.evidence.size(), 6u);
  for (const std::string& e : da.evidence) {
    EXPECT_TRUE(e.find("sha256 ") != std::string::npos || e.find("modulus ") != std::string::npos)
        << e;
  }
  EXPECT_EQ(da.decisions, db.decisions);
  EXPECT_EQ(da.evidence, db.evidence);
  EXPECT_EQ(da.decisions, dc.decisions);
  ASSERT_EQ(dc.evidence.size(), da.evidence.size());
  for (size_t i = 0; i < da.evidence.size(); ++i) EXPECT_NE(da.evidence[i], dc.evidence[i]) << i;
}

}  // namespace
}  // namespace skr::harness
