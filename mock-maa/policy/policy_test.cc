#include "mock-maa/policy/policy.h"

#include <gtest/gtest.h>

namespace skr::mock_maa {
namespace {

using nlohmann::json;

std::vector<PolicyClaim> SnpClaims(bool debuggable = false, int vmpl = 0) {
  return {
      {"x-ms-sevsnpvm-is-debuggable", debuggable},
      {"x-ms-sevsnpvm-vmpl", vmpl},
      {"x-ms-sevsnpvm-hostdata", std::string(64, '0')},
      {"x-ms-attestation-type", "sevsnpvm"},
  };
}

// The default SGX policy from policy-examples.md, with ASCII quotes and its capital "Version".
constexpr char kSgxDefault[] = R"(Version= 1.0;
authorizationrules
{
	c:[type=="$is-debuggable"] => permit();
};
issuancerules
{
	c:[type=="$is-debuggable"] => issue(type="is-debuggable", value=c.value);
	c:[type=="$sgx-mrsigner"] => issue(type="sgx-mrsigner", value=c.value);
	c:[type=="$sgx-mrenclave"] => issue(type="sgx-mrenclave", value=c.value);
	c:[type=="$product-id"] => issue(type="product-id", value=c.value);
	c:[type=="$svn"] => issue(type="svn", value=c.value);
	c:[type=="$tee"] => issue(type="tee", value=c.value);
};
)";

TEST(PolicyParse, DocumentedSgxDefault) {
  auto p = Policy::Parse(kSgxDefault);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->authorization_rule_count(), 1u);
  EXPECT_EQ(p->issuance_rule_count(), 6u);
  auto ev = p->Evaluate({{"$is-debuggable", false}, {"$svn", 3}, {"$tee", "sgx"}});
  ASSERT_TRUE(ev.ok()) << ev.error().ToString();
  ASSERT_EQ(ev->issued.size(), 3u);
  EXPECT_EQ(ev->issued[0].type, "is-debuggable");
  EXPECT_EQ(ev->issued[0].value, json(false));
  EXPECT_EQ(ev->issued[1].type, "svn");
  EXPECT_EQ(ev->issued[1].value, json(3));
  EXPECT_EQ(ev->issued[2].value, json("sgx"));
  EXPECT_EQ(ev->issued[0].issuer, kIssuerAttestationPolicy);
  // Without the authorizing claim nothing permits.
  auto denied = p->Evaluate({{"$svn", 3}});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code(), ErrorCode::kPolicyViolation);
}

TEST(PolicyParse, DocumentedTpmSampleWithUnconditionalPermit) {
  // policy-version-1-0.md "Sample policy for TPM".
  constexpr char kTpm[] = R"(version=1.0;

authorizationrules { 
    => permit();
};


issuancerules
{
[type=="aikValidated", value==true]&& 
[type=="secureBootEnabled", value==true] &&
[type=="bootDebuggingDisabled", value==true] && 
[type=="notSafeMode", value==true] => issue(type="PlatformAttested", value=true);
};
)";
  auto p = Policy::Parse(kTpm);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  std::vector<PolicyClaim> all = {{"aikValidated", true},
                                  {"secureBootEnabled", true},
                                  {"bootDebuggingDisabled", true},
                                  {"notSafeMode", true}};
  auto ev = p->Evaluate(all);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->issued.size(), 1u);
  EXPECT_EQ(ev->issued[0].type, "PlatformAttested");
  EXPECT_EQ(ev->issued[0].value, json(true));
  all[2].value = false;
  ev = p->Evaluate(all);
  ASSERT_TRUE(ev.ok());
  EXPECT_TRUE(ev->issued.empty());
}

TEST(PolicyParse, AuthorSignSampleWithoutRuleSemicolonsAndIssueClaim) {
  // author-sign-policy.md: rules without ';', issue(claim=c), issuer== condition.
  constexpr char kText[] = R"(version=1.0;
authorizationrules
{
c:[type=="secureBootEnabled", issuer=="AttestationService"]=> permit()
};
issuancerules
{
c:[type=="secureBootEnabled", issuer=="AttestationService"]=> issue(claim=c)
c:[type=="notSafeMode", issuer=="AttestationService"]=> issue(claim=c)
};)";
  auto p = Policy::Parse(kText);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto ev = p->Evaluate({{"secureBootEnabled", true}, {"notSafeMode", true}});
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->issued.size(), 2u);
  EXPECT_EQ(ev->issued[1].type, "notSafeMode");
  // The same claim from a client (CustomClaim) does not satisfy issuer=="AttestationService".
  auto custom = p->Evaluate({{"secureBootEnabled", true, std::string(kIssuerCustomClaim)}});
  EXPECT_FALSE(custom.ok());
}

TEST(PolicyEvaluate, SnpDenyRulesAndComparisons) {
  constexpr char kText[] = R"(version=1.0;
authorizationrules {
  [type=="x-ms-sevsnpvm-is-debuggable", value==true] => deny();
  [type=="x-ms-sevsnpvm-vmpl", value > 0] => deny();
  c:[type=="x-ms-attestation-type", value=="sevsnpvm"] => permit();
};
issuancerules {
  c:[type=="x-ms-sevsnpvm-vmpl", value<=0] => issue(type="vmpl-zero", value=true);
  c:[type=="x-ms-sevsnpvm-hostdata"] => add(type="hd-copy", value=c.value);
  c:[type=="hd-copy"] => issue(claim=c);
};)";
  auto p = Policy::Parse(kText);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto ok = p->Evaluate(SnpClaims());
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  ASSERT_EQ(ok->issued.size(), 2u);
  EXPECT_EQ(ok->issued[0].type, "vmpl-zero");
  EXPECT_EQ(ok->issued[1].type, "hd-copy");  // add() made it visible to the next rule
  EXPECT_EQ(ok->issued[1].value, json(std::string(64, '0')));

  auto dbg = p->Evaluate(SnpClaims(true));
  ASSERT_FALSE(dbg.ok());
  EXPECT_EQ(dbg.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(dbg.error().message().find("authorizationrules rule 1 (line 3)"), std::string::npos)
      << dbg.error().message();
  auto vmpl = p->Evaluate(SnpClaims(false, 2));
  ASSERT_FALSE(vmpl.ok());
  EXPECT_NE(vmpl.error().message().find("rule 2"), std::string::npos);
}

TEST(PolicyParse, LineCommentsAreSkipped) {
  auto p = Policy::Parse(
      "version=1.0; // grammar version\nauthorizationrules {\n// SecureBoot enabled\n"
      "  [type==\"x\", value==\"a//b\"] => permit(); // inline\n};");
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_TRUE(p->Evaluate({{"x", "a//b"}}).ok());  // "//" inside a string is not a comment
  auto bad = Policy::Parse("version=1.0; authorizationrules { / => permit(); };");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("column 35: unexpected character '/'"), std::string::npos)
      << bad.error().message();
}

TEST(PolicyEvaluate, TypeMismatchNeverEquals) {
  auto p = Policy::Parse(
      "version=1.0; authorizationrules { [type==\"x\", value==\"false\"] => permit(); };");
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->Evaluate({{"x", false}}).ok());  // Boolean false is not the String "false"
  EXPECT_TRUE(p->Evaluate({{"x", "false"}}).ok());
  auto q = Policy::Parse(
      "version=1.0; authorizationrules { [type==\"x\", valueType==\"Integer\"] => permit(); };");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->Evaluate({{"x", 1}}).ok());
  EXPECT_FALSE(q->Evaluate({{"x", "1"}}).ok());
}

TEST(PolicyEvaluate, CrossConditionReference) {
  // claim-rule-grammar.md: a later condition compares against an earlier identifier.
  constexpr char kText[] = R"(version=1.0;
authorizationrules { => permit(); };
issuancerules {
F1:[type=="OSName", issuer=="CustomClaim"] &&
C2:[type=="OSName", issuer=="AttestationService", value==F1.value] => issue(claim=C2);
};)";
  auto p = Policy::Parse(kText);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto same = p->Evaluate({{"OSName", "Linux", "CustomClaim"}, {"OSName", "Linux"}});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->issued.size(), 1u);
  auto differ = p->Evaluate({{"OSName", "Windows", "CustomClaim"}, {"OSName", "Linux"}});
  ASSERT_TRUE(differ.ok());
  EXPECT_TRUE(differ->issued.empty());
}

TEST(PolicyParse, ConfigurationRulesNeedVersion11) {
  constexpr char k11[] = R"(version=1.1;
configurationrules { => issueproperty(type="omit_x5c", value=true); };
authorizationrules { => permit(); };
issuancerules { };)";
  auto p = Policy::Parse(k11);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  auto ev = p->Evaluate({});
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->properties.size(), 1u);
  EXPECT_EQ(ev->properties[0].type, "omit_x5c");
  std::string as10 = k11;
  as10.replace(as10.find("1.1"), 3, "1.0");
  auto bad = Policy::Parse(as10);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("line 2, column 1"), std::string::npos)
      << bad.error().message();
}

struct BadPolicy {
  const char* text;
  const char* expected;  // substring of the error message
};

class PolicyMalformed : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(PolicyMalformed, RejectedWithPosition) {
  auto p = Policy::Parse(GetParam().text);
  ASSERT_FALSE(p.ok()) << GetParam().text;
  EXPECT_NE(p.error().message().find(GetParam().expected), std::string::npos)
      << "message: " << p.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, PolicyMalformed,
    ::testing::Values(
        BadPolicy{"", "line 1, column 1: expected 'version=1.0;'"},
        BadPolicy{"authorizationrules { => permit(); };", "expected 'version=1.0;'"},
        BadPolicy{"version=2.0; authorizationrules { => permit(); };",
                  "policy version 2.0 is not supported"},
        BadPolicy{"version=1.0 authorizationrules { => permit(); };",
                  "line 1, column 13: expected ';' after the version"},
        BadPolicy{"version=1.0;", "missing section 'authorizationrules'"},
        BadPolicy{"version=1.0;\nissuancerules { };", "missing section 'authorizationrules'"},
        BadPolicy{"version=1.0;\nauthorizationrules { => permit(); };\nauthorizationrules { };",
                  "line 3, column 1: duplicate section"},
        BadPolicy{"version=1.0;\nissuancerules { };\nauthorizationrules { => permit(); };",
                  "out of order"},
        BadPolicy{"version=1.0;\nauthorizationrules { => permit();",
                  "expected '}' closing section 'authorizationrules', found end of policy"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type=\"x\"] => permit();\n};",
                  "line 3, column 8: '=' is assignment"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x] => permit();\n};",
                  "line 3, column 10: unterminated string literal"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  c:[type==\xE2\x80\x9Dx\xE2\x80\x9D] => "
                  "permit();\n};",
                  "line 3, column 12: typographic quote"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\"] => allow();\n};",
                  "line 3, column 18: unknown action 'allow'"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\"] => issue(claim=c);\n};",
                  "action 'issue' is not allowed in 'authorizationrules'"},
        BadPolicy{"version=1.0;\nauthorizationrules { => permit(); };\nissuancerules { => "
                  "permit(); };",
                  "action 'permit' is not allowed in 'issuancerules'"},
        BadPolicy{"version=1.0;\nauthorizationrules { => permit(); };\nissuancerules {\n  "
                  "c:[type==\"x\"] => issue(claim=d);\n};",
                  "line 4, column 32: identifier 'd' is not bound"},
        BadPolicy{"version=1.0;\nauthorizationrules { => permit(); };\nissuancerules {\n  "
                  "c:[type==\"x\"] => issue(type=\"y\");\n};",
                  "needs claim=<identifier> or both type= and value="},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\", value<\"a\"] => "
                  "permit();\n};",
                  "applies to Integer values only"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\"] [type==\"y\"] => "
                  "permit();\n};",
                  "line 3, column 15: expected '&&' or '=>'"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [kind==\"x\"] => permit();\n};",
                  "line 3, column 4: expected a claim property condition"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  c:[type==\"x\"] && c:[type==\"y\"] => "
                  "permit();\n};",
                  "identifier 'c' is bound twice"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\"] => permit(1);\n};",
                  "permit() takes no arguments"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\"] => permit();\n} @",
                  "line 4, column 3: unexpected character '@'"},
        BadPolicy{"version=1.0;\nauthorizationrules {\n  [type==\"x\", value==d.value] => "
                  "permit();\n};",
                  "identifier 'd' is not bound by an earlier condition"}));

TEST(PolicyParse, EveryTruncationAndByteFlipIsHandled) {
  // Each prefix of a valid policy either parses or fails with a position; so does each single
  // byte replaced by a character that breaks the syntax. Nothing crashes.
  const std::string text = kSgxDefault;
  for (size_t n = 0; n < text.size(); ++n) {
    auto p = Policy::Parse(text.substr(0, n));
    if (!p.ok()) {
      EXPECT_EQ(p.error().code(), ErrorCode::kMalformed) << n;
      EXPECT_NE(p.error().message().find("line "), std::string::npos) << n;
    }
  }
  size_t failures = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    for (char c : {'@', '"', '[', ';', '\0'}) {
      std::string t = text;
      t[i] = c;
      auto p = Policy::Parse(t);
      if (!p.ok()) {
        ++failures;
        EXPECT_NE(p.error().message().find("column "), std::string::npos) << i;
      }
    }
  }
  EXPECT_GT(failures, text.size());
}

TEST(PolicyHash, ReproducesRealMaaTokens) {
  // x-ms-policy-hash of the 2025-06-01 spec's SevSnpVm example token and of the docs' TdxVm token
  // (skr-protocol.md 3.3, 3.4): MAA's default policies for those types, byte for byte.
  constexpr char kSnpDefault[] = "version= 1.0;authorizationrules{=> permit();};";
  constexpr char kTdxDefault[] =
      "version= 1.0;\n\nauthorizationrules\n{\n    => permit();\n};\n\nissuancerules\n{\n};";
  EXPECT_EQ(PolicyHash(kSnpDefault), "9NY0VnTQ-IiBriBplVUpFbczcDaEBUwsiFYAzHu_gco");
  EXPECT_EQ(PolicyHash(kTdxDefault), "B56nbp5slhw66peoRYkpdq1WykMkEworvdol08hnMXE");
  auto snp = Policy::Parse(kSnpDefault);
  ASSERT_TRUE(snp.ok()) << snp.error().ToString();
  EXPECT_EQ(snp->issuance_rule_count(), 0u);
  EXPECT_TRUE(snp->Evaluate({}).ok());
  auto tdx = Policy::Parse(kTdxDefault);
  ASSERT_TRUE(tdx.ok()) << tdx.error().ToString();
  EXPECT_TRUE(tdx->Evaluate({}).ok());
}

TEST(PolicyHash, MatchesDefinitionAndDiffersPerText) {
  // BASE64URL(SHA256(BASE64URL("a"))): BASE64URL("a") = "YQ"; SHA-256("YQ") computed with
  // `printf YQ | sha256sum`.
  EXPECT_EQ(PolicyHash("a"), "8NX4mu6PSkhiPRwDQxEypr9eDikZbovdJHvQcNTjFLA");
  EXPECT_NE(PolicyHash("version=1.0;"), PolicyHash("version=1.0; "));
  EXPECT_EQ(PolicyHash("x").size(), 43u);
}

}  // namespace
}  // namespace skr::mock_maa
