#include "mock-kv/release_policy.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"

namespace skr::mock_kv {
namespace {

using nlohmann::json;

constexpr char kMaa[] = "https://sharedweu.weu.attest.azure.net";

ReleasePolicy Parse(const std::string& text) {
  auto p = ParseReleasePolicy(text);
  EXPECT_TRUE(p.ok()) << p.error().ToString();
  return *p;
}

TEST(ReleasePolicy, CanonicalFormReordersKeys) {
  auto p = Parse(
      R"({"anyOf":[{"allOf":[{"equals":"sevsnpvm","claim":"x-ms-isolation-tee.x-ms-attestation-type"}],
                     "authority":"https://sharedweu.weu.attest.azure.net"}],"version":"1.0.0"})");
  EXPECT_EQ(
      p.CanonicalJson(),
      R"({"version":"1.0.0","anyOf":[{"authority":"https://sharedweu.weu.attest.azure.net",)"
      R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-attestation-type","equals":"sevsnpvm"}]}]})");
  // The legacy condition form is accepted and stored in the 1.0.0 form.
  auto legacy = Parse(R"({"version":"1.0.0","anyOf":[{"authority":"a","anyOf":[
                          {"claim":"sdk-test","condition":"equals","value":"true"}]}]})");
  EXPECT_EQ(
      legacy.CanonicalJson(),
      R"({"version":"1.0.0","anyOf":[{"authority":"a","anyOf":[{"claim":"sdk-test","equals":"true"}]}]})");
}

TEST(ReleasePolicy, RejectsInvalidGrammar) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":"v"}]}]})",  // no version
      R"({"version":"2.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":"v"}]}]})",
      R"({"version":"1.0.0","anyOf":[]})",
      R"({"version":"1.0.0","anyOf":[{"allOf":[{"claim":"c","equals":"v"}]}]})",  // no authority
      R"({"version":"1.0.0","anyOf":[{"authority":"a"}]})",                       // no group
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":"v"}],
          "anyOf":[{"claim":"c","equals":"v"}]}]})",                              // both
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","notEquals":"v"}]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":{"x":1}}]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":null}]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c"}]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"equals":"v"}]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"allOf":[{"claim":"c","equals":"v"}],"claim":"d"}]}]})",
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","condition":"greater","value":1}]}]})",
      R"({"version":"1.0.0","extra":1,"anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":"v"}]}]})",
  };
  for (const char* b : bad) {
    auto p = ParseReleasePolicy(b);
    EXPECT_FALSE(p.ok()) << b;
    if (!p.ok()) {
      EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument) << b;
    }
  }
}

class Evaluate : public ::testing::Test {
 protected:
  json claims_ = json::parse(R"({
    "iss": "https://sharedweu.weu.attest.azure.net",
    "x-ms-isolation-tee": {"x-ms-attestation-type": "sevsnpvm",
                           "x-ms-compliance-status": "azure-compliant-cvm",
                           "x-ms-sevsnpvm-is-debuggable": false,
                           "x-ms-sevsnpvm-vmpl": 0,
                           "deep": {"deeper": {"v": "x"}}},
    "sdk-test": true,
    "list": [1, 2]
  })");
  PolicyDecision Eval(const std::string& group, const std::string& authority = kMaa,
                      const std::string& issuer = kMaa) {
    auto p = Parse(R"({"version":"1.0.0","anyOf":[{"authority":")" + authority + R"(",)" + group +
                   "}]}");
    return EvaluateReleasePolicy(p, issuer, claims_);
  }
};

TEST_F(Evaluate, AllOfNestedDotPaths) {
  EXPECT_TRUE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-attestation-type","equals":"sevsnpvm"},
                              {"claim":"x-ms-isolation-tee.x-ms-compliance-status","equals":"azure-compliant-cvm"}])")
          .allowed);
  EXPECT_TRUE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.deep.deeper.v","equals":"x"}])").allowed);
  auto d =
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-attestation-type","equals":"sevsnpvm"},
                            {"claim":"x-ms-isolation-tee.x-ms-compliance-status","equals":"nope"}])");
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("x-ms-compliance-status"), std::string::npos) << d.reason;
}

TEST_F(Evaluate, AnyOfAndNestedGroups) {
  EXPECT_TRUE(
      Eval(
          R"("anyOf":[{"claim":"sdk-test","equals":"false"},{"claim":"sdk-test","equals":"true"}])")
          .allowed);
  EXPECT_FALSE(
      Eval(R"("anyOf":[{"claim":"sdk-test","equals":"false"},{"claim":"missing","equals":"x"}])")
          .allowed);
  EXPECT_TRUE(
      Eval(
          R"("allOf":[{"anyOf":[{"claim":"a","equals":"1"},{"allOf":[{"claim":"sdk-test","equals":true},
                     {"claim":"x-ms-isolation-tee.x-ms-sevsnpvm-vmpl","equals":"0"}]}]}])")
          .allowed);
  EXPECT_FALSE(
      Eval(
          R"("allOf":[{"anyOf":[{"claim":"a","equals":"1"},{"allOf":[{"claim":"sdk-test","equals":true},
                     {"claim":"x-ms-isolation-tee.x-ms-sevsnpvm-vmpl","equals":"1"}]}]}])")
          .allowed);
}

TEST_F(Evaluate, StringCoercion) {
  // Policy strings against boolean / number claims, and the reverse.
  EXPECT_TRUE(Eval(R"("allOf":[{"claim":"sdk-test","equals":"true"}])").allowed);
  EXPECT_TRUE(Eval(R"("allOf":[{"claim":"sdk-test","equals":true}])").allowed);
  EXPECT_TRUE(
      Eval(
          R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-sevsnpvm-is-debuggable","equals":"false"}])")
          .allowed);
  EXPECT_TRUE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-sevsnpvm-vmpl","equals":"0"}])").allowed);
  EXPECT_TRUE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-sevsnpvm-vmpl","equals":0}])").allowed);
  EXPECT_FALSE(
      Eval(R"("allOf":[{"claim":"sdk-test","equals":"True"}])").allowed);  // case-sensitive
  EXPECT_FALSE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-sevsnpvm-vmpl","equals":"00"}])").allowed);
  EXPECT_FALSE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee.x-ms-attestation-type","equals":"SEVSNPVM"}])")
          .allowed);
}

TEST_F(Evaluate, MissingOrNonScalarClaimIsFalse) {
  auto d = Eval(
      R"("allOf":[{"claim":"x-ms-attestation-type","equals":"sevsnpvm"}])");  // top-level absent
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("missing"), std::string::npos);
  EXPECT_FALSE(Eval(R"("allOf":[{"claim":"x-ms-isolation-tee","equals":"x"}])").allowed);
  EXPECT_FALSE(Eval(R"("allOf":[{"claim":"list","equals":"[1,2]"}])").allowed);
  EXPECT_FALSE(Eval(R"("allOf":[{"claim":"sdk-test.x","equals":"true"}])").allowed);
  EXPECT_FALSE(
      Eval(R"("allOf":[{"claim":"x-ms-isolation-tee..x-ms-attestation-type","equals":"sevsnpvm"}])")
          .allowed);
}

TEST_F(Evaluate, AuthorityMatchesIssuerIgnoringTrailingSlash) {
  const std::string g = R"("allOf":[{"claim":"sdk-test","equals":"true"}])";
  EXPECT_TRUE(Eval(g, std::string(kMaa) + "/", kMaa).allowed);
  EXPECT_TRUE(Eval(g, kMaa, std::string(kMaa) + "/").allowed);
  auto d = Eval(g, "https://other.attest.azure.net", kMaa);
  EXPECT_FALSE(d.allowed);
  EXPECT_NE(d.reason.find("no authority"), std::string::npos);
  EXPECT_FALSE(Eval(g, "https://sharedweu.weu.attest.azure.net.evil", kMaa).allowed);
}

TEST(RestReleasePolicy, DecodesDataAndDefaults) {
  std::string policy =
      R"({"version":"1.0.0","anyOf":[{"authority":"a","allOf":[{"claim":"c","equals":"v"}]}]})";
  auto p = ParseRestReleasePolicy(json{{"data", encoding::Base64UrlEncode(AsBytes(policy))}});
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->content_type, "application/json; charset=utf-8");
  EXPECT_FALSE(p->immutable);
  EXPECT_EQ(p->canonical_json, policy);
  auto rest = RestReleasePolicyJson(*p);
  EXPECT_EQ(rest["data"], encoding::Base64UrlEncode(AsBytes(policy)));
  // Standard padded base64 is accepted too.
  EXPECT_TRUE(ParseRestReleasePolicy(json{{"data", encoding::Base64Encode(AsBytes(policy))}}).ok());
  EXPECT_FALSE(ParseRestReleasePolicy(json{{"data", "!!!"}}).ok());
  EXPECT_FALSE(ParseRestReleasePolicy(json{{"data", ""}}).ok());
  EXPECT_FALSE(ParseRestReleasePolicy(json::object()).ok());
  EXPECT_FALSE(ParseRestReleasePolicy(
                   json{{"data", encoding::Base64UrlEncode(AsBytes(policy))}, {"immutable", "yes"}})
                   .ok());
  EXPECT_FALSE(ParseRestReleasePolicy(json{{"data", encoding::Base64UrlEncode(AsBytes(policy))},
                                           {"contentType", "text/plain"}})
                   .ok());
}

}  // namespace
}  // namespace skr::mock_kv
