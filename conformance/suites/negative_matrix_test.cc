// The negative matrix and the positive conformance checks as GoogleTest cases, one test per row,
// all against one emulated stack per process (this binary is one ctest entry: starting the stack
// per case would cost minutes). `skr-harness conformance` runs the same checks.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "conformance/harness/conformance.h"
#include "conformance/harness/negative_matrix.h"

namespace skr::harness {
namespace {

class Shared : public ::testing::Test {
 public:
  static std::unique_ptr<ConformanceTarget>& Target() {
    static std::unique_ptr<ConformanceTarget> t;
    return t;
  }

 protected:
  // Started by the first suite that needs it, stopped (with its swtpm children) by the
  // environment below once every test has run.
  static void SetUpTestSuite() {
    if (Target()) return;
    auto t = ConformanceTarget::StartEmulated(/*seed=*/3);
    ASSERT_TRUE(t.ok()) << t.error().ToString();
    Target() = std::move(t).value();
  }
  ConformanceTarget* target_ = nullptr;
  void SetUp() override { target_ = Target().get(); }
};

class StopTarget : public ::testing::Environment {
 public:
  void TearDown() override { Shared::Target().reset(); }
};
[[maybe_unused]] ::testing::Environment* const kStopTarget =
    ::testing::AddGlobalTestEnvironment(new StopTarget);

std::string TestName(const std::string& id) {
  std::string n;
  for (char c : id) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return n;
}

void Expect(const CheckResult& r) { EXPECT_EQ(r.status, CheckResult::Status::kPass) << r.message; }

class NegativeMatrix : public Shared, public ::testing::WithParamInterface<size_t> {};

TEST_P(NegativeMatrix, StatusCodeAndNothingReleased) {
  ASSERT_NE(target_, nullptr);
  const NegativeCase& c = harness::NegativeMatrix().at(GetParam());
  SCOPED_TRACE(c.id + ": " + c.description);
  Expect(RunNegativeCase(c, *target_));
}

INSTANTIATE_TEST_SUITE_P(Cases, NegativeMatrix,
                         ::testing::Range<size_t>(0, harness::NegativeMatrix().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           return TestName(harness::NegativeMatrix().at(i.param).id);
                         });

class PositiveChecks : public Shared, public ::testing::WithParamInterface<size_t> {
 public:
  static const std::vector<Check>& All() {
    static const std::vector<Check> all = harness::PositiveChecks();
    return all;
  }
};

TEST_P(PositiveChecks, Pass) {
  ASSERT_NE(target_, nullptr);
  const Check& c = All().at(GetParam());
  SCOPED_TRACE(c.id + ": " + c.description);
  const CheckResult r = c.run(*target_);
  if (c.id == "client.attest.azure-guest-live") {
    EXPECT_EQ(r.status, CheckResult::Status::kSkip) << r.message;  // live mode only
    return;
  }
  Expect(r);
}

INSTANTIATE_TEST_SUITE_P(Checks, PositiveChecks,
                         ::testing::Range<size_t>(0, PositiveChecks::All().size()),
                         [](const ::testing::TestParamInfo<size_t>& i) {
                           return TestName(PositiveChecks::All().at(i.param).id);
                         });

// The table itself: at least 60 distinct cases, every category of the issue covered, every row an
// error status with a code.
TEST(NegativeMatrixTable, AtLeastSixtyDistinctCasesWithStatusAndCode) {
  const auto& m = harness::NegativeMatrix();
  EXPECT_GE(m.size(), 60u);
  std::set<std::string> ids;
  std::map<CheckCategory, size_t> per_category;
  for (const NegativeCase& c : m) {
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate id " << c.id;
    EXPECT_EQ(c.id.rfind(std::string(CheckCategoryName(c.category)) + ".", 0), 0u) << c.id;
    EXPECT_GE(c.status, 400) << c.id;
    EXPECT_FALSE(c.code.empty()) << c.id;
    EXPECT_TRUE(c.build) << c.id;
    ++per_category[c.category];
  }
  EXPECT_GE(per_category[CheckCategory::kEvidence], 20u);
  EXPECT_GE(per_category[CheckCategory::kMaa], 10u);
  EXPECT_GE(per_category[CheckCategory::kKeyVault], 25u);
  // The issue's list, by id prefix.
  for (const char* prefix :
       {"evidence.snp.flipped-", "evidence.tdx.flipped-", "evidence.snp.wrong-amd-root",
        "evidence.tdx.wrong-intel-root", "evidence.snp.runtime-data-not-bound",
        "evidence.snp.stale-", "maa.policy.tcb-below-floor", "maa.policy.debuggable-guest",
        "keyvault.token.expired", "keyvault.token.not-yet-valid", "keyvault.token.untrusted-issuer",
        "keyvault.bearer.wrong-audience", "keyvault.bearer.expired",
        "keyvault.permission.get-without-release", "keyvault.key.non-exportable",
        "keyvault.request.malformed-json", "keyvault.request.oversized", "maa.request.oversized"}) {
    bool found = false;
    for (const auto& id : ids) found = found || id.rfind(prefix, 0) == 0;
    EXPECT_TRUE(found) << "no case " << prefix;
  }
}

TEST(Checks, FilterGlobsAndExclusions) {
  EXPECT_TRUE(MatchesFilter("", "keyvault.bearer.expired"));
  EXPECT_TRUE(MatchesFilter("keyvault.*", "keyvault.bearer.expired"));
  EXPECT_FALSE(MatchesFilter("maa.*", "keyvault.bearer.expired"));
  EXPECT_TRUE(MatchesFilter("maa.*:*.bearer.?xpired", "keyvault.bearer.expired"));
  EXPECT_FALSE(MatchesFilter("keyvault.*:-*expired", "keyvault.bearer.expired"));
  EXPECT_TRUE(MatchesFilter("-evidence.*", "keyvault.bearer.expired"));
  EXPECT_FALSE(MatchesFilter("-evidence.*", "evidence.snp.flipped-policy"));
}

TEST(Checks, JUnitEscapesAndCounts) {
  std::vector<CheckOutcome> o = {
      {"a.pass", CheckCategory::kMaa, "d", CheckResult::Pass("ok"), 0.5},
      {"a.fail", CheckCategory::kKeyVault, "x<y", CheckResult::Fail("got \"<&>'\"\n"), 0.25},
      {"a.skip", CheckCategory::kClient, "d", CheckResult::Skip("set SKR_TCTI"), 0}};
  const std::string x = JUnitXml(o, "s");
  EXPECT_NE(x.find(R"(tests="3" failures="1" errors="0" skipped="1" time="0.750")"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find(R"(<failure message="got &quot;&lt;&amp;&gt;&apos;&quot;&#10;">x&lt;y)"),
            std::string::npos)
      << x;
  EXPECT_NE(x.find(R"(<testcase classname="keyvault" name="a.fail" time="0.250">)"),
            std::string::npos);
  EXPECT_NE(x.find(R"(<skipped message="set SKR_TCTI"/>)"), std::string::npos);
  EXPECT_EQ(XmlEscape(std::string("a\x01"
                                  "b",
                                  3)),
            "a?b");
}

}  // namespace
}  // namespace skr::harness
