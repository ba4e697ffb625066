#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/services.h"
#include "libskr/base/clock.h"
#include "libskr/encoding/encoding.h"
#include "libskr/http/client.h"
#include "libskr/jose/jws.h"
#include "libskr/jose/jwt.h"
#include "libskr/x509/certificate.h"
#include "snp-tdx-emulator/amd/snp_firmware.h"
#include "snp-tdx-emulator/imds/imds_server.h"
#include "snp-tdx-emulator/intel/tdx_platform.h"

namespace skr::emulator::imds {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1795000000;  // 2026-11-18T...Z, fixed

Bytes Seed(std::string_view s) { return ToBytes(AsBytes(s)); }

client::RetryPolicy NoRetry() {
  client::RetryPolicy p;
  p.max_attempts = 1;
  p.sleep = [](std::chrono::milliseconds) {};
  return p;
}

// One TDX platform and one AMD root of trust for the whole suite (RSA-4096 derivation is slow).
class ImdsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tdx = intel::EmulatedTdxPlatform::Create(Seed("imds-tdx"));
    ASSERT_TRUE(tdx.ok()) << tdx.error().ToString();
    tdx_ = new intel::EmulatedTdxPlatform(std::move(tdx).value());
    auto rot = amd::AmdRootOfTrust::Create(Seed("imds-amd"), snp::Product::kMilan);
    ASSERT_TRUE(rot.ok()) << rot.error().ToString();
    auto fw = amd::SnpFirmware::Create(
        *rot,
        amd::AzureLikeReportTemplate(
            snp::Product::kMilan, amd::DeriveChipId(Seed("imds-amd"), snp::Product::kMilan, "m0")));
    ASSERT_TRUE(fw.ok()) << fw.error().ToString();
    thim_ = new std::string(rot->ThimJson(fw->vcek()));
  }
  static void TearDownTestSuite() {
    delete tdx_;
    delete thim_;
  }

  void SetUp() override { StartServer(Seed("imds-seed")); }

  void StartServer(Bytes seed, bool snp = true, bool tdx = true) {
    ImdsOptions o;
    o.seed = std::move(seed);
    o.clock = clock_;
    if (snp) o.thim_json = *thim_;
    if (tdx) o.td_quote = [](ByteView r) { return tdx_->QuoteTdReport(r); };
    auto s = ImdsServer::Start(std::move(o));
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(s).value();
    auto c = client::ImdsClient::Create({server_->url(), std::nullopt}, NoRetry());
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    imds_.emplace(std::move(c).value());
    auto h = http::Client::Create(server_->url());
    ASSERT_TRUE(h.ok());
    http_.emplace(std::move(h).value());
  }

  http::Response Get(const std::string& path, http::Headers headers = {{"Metadata", "true"}}) {
    auto r = http_->Get(path, headers);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : http::Response{};
  }
  http::Response PostQuote(const std::string& body, const std::string& content_type) {
    auto r = http_->Post("/acc/tdquote", {{"Metadata", "true"}}, body, content_type);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : http::Response{};
  }
  Bytes TdReport(uint8_t fill) {
    auto r = tdx_->TdReportSigner()(Bytes(64, fill));
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? *r : Bytes{};
  }
  // A token endpoint path with the given extra query.
  static std::string TokenPath(const std::string& extra = "") {
    return "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
           encoding::PercentEncode("https://vault.azure.net") + extra;
  }
  // The token must verify with the JWKS the server publishes (fetched over HTTP) and carry the
  // identity's claims.
  json VerifiedClaims(const std::string& token) {
    http::Response keys = Get("/" + server_->issuer().tenant_id() + "/discovery/keys", {});
    EXPECT_EQ(keys.status, 200);
    auto jwks = jose::Jwks::ParseText(keys.body);
    EXPECT_TRUE(jwks.ok()) << (jwks.ok() ? "" : jwks.error().ToString());
    if (!jwks.ok()) return {};
    jose::JwsVerifyOptions vo;
    vo.allowed_algs = {jose::JwsAlg::kRs256};
    auto v = jose::VerifyCompactWithJwks(token, *jwks, vo);
    EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().ToString());
    if (!v.ok()) return {};
    auto claims = jose::ParseJwtClaims(v->payload);
    EXPECT_TRUE(claims.ok());
    return claims.ok() ? *claims : json{};
  }
  void ExpectOauthError(const http::Response& r, int status, const std::string& error,
                        const std::string& description_prefix) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    EXPECT_EQ(j.value("error", ""), error) << r.body;
    EXPECT_EQ(j.value("error_description", "").rfind(description_prefix, 0), 0u) << r.body;
  }

  static intel::EmulatedTdxPlatform* tdx_;
  static std::string* thim_;
  std::shared_ptr<FixedClock> clock_ = std::make_shared<FixedClock>(kNow);
  std::unique_ptr<ImdsServer> server_;
  std::optional<client::ImdsClient> imds_;
  std::optional<http::Client> http_;
};
intel::EmulatedTdxPlatform* ImdsTest::tdx_ = nullptr;
std::string* ImdsTest::thim_ = nullptr;

TEST_F(ImdsTest, TokenForEachIdentityVerifiesWithThePublishedJwks) {
  const auto& ids = server_->identities();
  ASSERT_EQ(ids.size(), 3u);
  struct Case {
    client::IdentitySelector selector;
    size_t index;
  };
  std::vector<Case> cases = {
      {{}, 0},
      {{ids[1].client_id, std::nullopt, std::nullopt}, 1},
      {{std::nullopt, ids[2].object_id, std::nullopt}, 2},
      {{std::nullopt, std::nullopt, ids[1].resource_id}, 1},
      {{std::nullopt, std::nullopt, ids[0].resource_id}, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.index);
    auto t = imds_->GetAccessToken("https://vault.azure.net", c.selector);
    ASSERT_TRUE(t.ok()) << t.error().ToString();
    EXPECT_EQ(t->expires_on, kNow + 86399);
    json claims = VerifiedClaims(t->token);
    const std::string tenant = server_->issuer().tenant_id();
    EXPECT_EQ(claims["aud"], "https://vault.azure.net");
    EXPECT_EQ(claims["iss"], "https://sts.windows.net/" + tenant + "/");
    EXPECT_EQ(claims["tid"], tenant);
    EXPECT_EQ(claims["oid"], ids[c.index].object_id);
    EXPECT_EQ(claims["appid"], ids[c.index].client_id);
    EXPECT_EQ(claims["xms_mirid"], ids[c.index].resource_id);
    EXPECT_EQ(claims["iat"], kNow - 300);
    EXPECT_EQ(claims["nbf"], kNow - 300);
    EXPECT_EQ(claims["exp"], kNow + 86399);
    jose::JwtValidationOptions vo;
    vo.now = kNow;
    vo.issuer = server_->issuer().issuer();
    vo.audience = "https://vault.azure.net";
    EXPECT_TRUE(jose::ValidateJwtClaims(claims, vo).ok());
    vo.now = kNow + 86400;
    EXPECT_FALSE(jose::ValidateJwtClaims(claims, vo).ok()) << "expired a day later";
  }
  // Selectors are case-insensitive GUIDs / ARM ids; mi_res_id is the newer spelling.
  std::string upper = ids[2].client_id;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  auto t = imds_->GetAccessToken("https://vault.azure.net", {upper, std::nullopt, std::nullopt});
  ASSERT_TRUE(t.ok()) << t.error().ToString();
  EXPECT_EQ(VerifiedClaims(t->token)["oid"], ids[2].object_id);
  http::Response mi = Get(TokenPath("&mi_res_id=" + encoding::PercentEncode(ids[2].resource_id)));
  ASSERT_EQ(mi.status, 200) << mi.body;
  EXPECT_EQ(VerifiedClaims(json::parse(mi.body)["access_token"])["oid"], ids[2].object_id);
}

TEST_F(ImdsTest, TokenResponseHasStringNumbersAndTheRequestedResource) {
  http::Response r = Get(TokenPath());
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  for (const char* k : {"expires_in", "expires_on", "ext_expires_in", "not_before"}) {
    ASSERT_TRUE(j[k].is_string()) << k << " must be a string: " << r.body;
  }
  EXPECT_EQ(j["expires_in"], "86399");
  EXPECT_EQ(j["expires_on"], std::to_string(kNow + 86399));
  EXPECT_EQ(j["not_before"], std::to_string(kNow - 300));
  EXPECT_EQ(j["resource"], "https://vault.azure.net");
  EXPECT_EQ(j["token_type"], "Bearer");
  EXPECT_EQ(j["client_id"], server_->identities()[0].client_id);
  // A trailing slash names the same resource; aud echoes what was asked.
  http::Response slash = Get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                             encoding::PercentEncode("https://managedhsm.azure.net/"));
  ASSERT_EQ(slash.status, 200) << slash.body;
  EXPECT_EQ(VerifiedClaims(json::parse(slash.body)["access_token"])["aud"],
            "https://managedhsm.azure.net/");
  // The clock drives the times.
  clock_->Advance(100);
  http::Response later = Get(TokenPath());
  EXPECT_EQ(json::parse(later.body)["expires_on"], std::to_string(kNow + 100 + 86399));
}

TEST_F(ImdsTest, DiscoveryDocumentPointsAtTheServedJwks) {
  http::Response d =
      Get("/" + server_->issuer().tenant_id() + "/.well-known/openid-configuration", {});
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(server_->discovery_url(), server_->url() + "/" + server_->issuer().tenant_id() +
                                          "/.well-known/openid-configuration");
  json j = json::parse(d.body);
  EXPECT_EQ(j["issuer"], server_->issuer().issuer());
  EXPECT_EQ(j["jwks_uri"], server_->jwks_url());
  http::Response common = Get("/common/discovery/keys", {});
  ASSERT_EQ(common.status, 200);
  auto jwks = jose::Jwks::ParseText(common.body);
  ASSERT_TRUE(jwks.ok()) << jwks.error().ToString();
  ASSERT_EQ(jwks->keys().size(), 1u);
  EXPECT_EQ(jwks->keys()[0].kid(), server_->issuer().kid());
  auto chain = jwks->keys()[0].CertificateChain();
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(chain->at(0).subject_cn(), "accounts.accesscontrol.windows.net");
}

TEST_F(ImdsTest, TokenErrorsHaveImdsBodiesAndTheServerKeepsServing) {
  const std::string vault = "https://vault.azure.net";
  ExpectOauthError(Get(TokenPath(), {}), 400, "bad_request_102",
                   "Required metadata header not specified");
  ExpectOauthError(Get(TokenPath(), {{"Metadata", "True"}}), 400, "bad_request_102",
                   "Required metadata header not specified");
  ExpectOauthError(Get(TokenPath(), {{"Metadata", "false"}}), 400, "bad_request_102",
                   "Required metadata header not specified");
  ExpectOauthError(Get(TokenPath("&client_id=00000000-0000-4000-8000-000000000000")), 400,
                   "invalid_request", "Identity not found");
  ExpectOauthError(Get(TokenPath("&object_id=nope")), 400, "invalid_request", "Identity not found");
  ExpectOauthError(Get(TokenPath("&msi_res_id=%2Fsubscriptions%2Fx")), 400, "invalid_request",
                   "Identity not found");
  const auto& ids = server_->identities();
  ExpectOauthError(
      Get(TokenPath("&client_id=" + ids[0].client_id + "&object_id=" + ids[0].object_id)), 400,
      "invalid_request", "Only one of");
  ExpectOauthError(Get("/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" +
                       encoding::PercentEncode("https://evil.example")),
                   400, "invalid_resource",
                   "AADSTS500011: The resource principal named "
                   "https://evil.example was not found");
  ExpectOauthError(Get("/metadata/identity/oauth2/token?api-version=2018-02-01"), 400,
                   "invalid_request", "Required audience parameter not specified");
  ExpectOauthError(Get("/metadata/identity/oauth2/token?resource=x"), 400, "invalid_request",
                   "Required query variable 'api-version' is missing");
  // The client maps a 400 to kInvalidArgument and keeps IMDS's description.
  auto t = imds_->GetAccessToken(vault, {"00000000-0000-4000-8000-000000000000", {}, {}});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(t.error().message().find("Identity not found"), std::string::npos)
      << t.error().ToString();
  auto bad = imds_->GetAccessToken("https://nope.example");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("AADSTS500011"), std::string::npos);
  // Unknown path: 404 in the same shape.
  ExpectOauthError(Get("/metadata/nothing"), 404, "not_found", "");
  const uint64_t before = server_->requests();
  EXPECT_EQ(before, 13u) << "every request above was answered and counted";
  EXPECT_TRUE(imds_->GetAccessToken(vault).ok()) << "still serving after the errors";
  EXPECT_EQ(server_->requests(), before + 1);
}

TEST_F(ImdsTest, TdQuoteForTheClientsReport) {
  Bytes report = TdReport(0x42);
  auto q = imds_->GetTdQuote(report);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  auto want = tdx_->QuoteTdReport(report);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(*q, *want);
  // Response body is {"quote": base64url} without padding.
  http::Response r = PostQuote(intel::TdQuoteRequestJson(report), "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string quote = json::parse(r.body)["quote"];
  EXPECT_EQ(quote.find_first_of("+/="), std::string::npos);
  EXPECT_EQ(encoding::Base64UrlDecode(quote).value(), *want);
}

TEST_F(ImdsTest, TdQuoteRejectsCharsetMalformedBodiesAndForeignReports) {
  Bytes report = TdReport(0x43);
  const std::string good = intel::TdQuoteRequestJson(report);
  EXPECT_EQ(PostQuote(good, "application/json; charset=utf-8").status, 415);
  EXPECT_EQ(PostQuote(good, "text/plain").status, 415);
  ExpectOauthError(PostQuote("{\"report\": ", "application/json"), 400, "invalid_request", "");
  ExpectOauthError(PostQuote("[]", "application/json"), 400, "invalid_request", "");
  ExpectOauthError(PostQuote("{\"quote\":\"AA\"}", "application/json"), 400, "invalid_request", "");
  ExpectOauthError(PostQuote("{\"report\":\"***\"}", "application/json"), 400, "invalid_request",
                   "");
  for (size_t size : {size_t{0}, size_t{1023}, size_t{1025}, size_t{1184}}) {
    Bytes wrong(size, 1);
    if (size > 0) std::copy_n(report.begin(), std::min(size, report.size()), wrong.begin());
    http::Response r = PostQuote(intel::TdQuoteRequestJson(wrong), "application/json");
    ExpectOauthError(r, 400, "invalid_request", "");
    EXPECT_NE(r.body.find("1024"), std::string::npos) << r.body;
  }
  // A TDREPORT whose MAC is not this TDX module's: the QE refuses it.
  Bytes forged = report;
  forged[600] ^= 1;
  ExpectOauthError(PostQuote(intel::TdQuoteRequestJson(forged), "application/json"), 400,
                   "invalid_request", "");
  auto via_client = imds_->GetTdQuote(forged);
  ASSERT_FALSE(via_client.ok());
  EXPECT_EQ(via_client.error().code(), ErrorCode::kInvalidArgument);
  // Still serving.
  EXPECT_TRUE(imds_->GetTdQuote(report).ok());
}

TEST_F(ImdsTest, ThimServesTheAmdCertification) {
  auto c = imds_->GetThimCertification();
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  json want = json::parse(*thim_);
  EXPECT_EQ(c->vcek.ToPem(), want["vcekCert"]);
  EXPECT_EQ(x509::CertificatesToPem(c->chain), want["certificateChain"]);
  EXPECT_EQ(c->tcbm, want["tcbm"]);
  EXPECT_EQ(Get("/metadata/THIM/amd/certification").body, *thim_);
  ExpectOauthError(Get("/metadata/THIM/amd/certification", {}), 400, "bad_request_102",
                   "Required metadata header not specified");
}

TEST_F(ImdsTest, HostKindDecidesWhichHardwareEndpointsExist) {
  StartServer(Seed("imds-seed"), /*snp=*/false, /*tdx=*/true);
  auto thim = imds_->GetThimCertification();
  ASSERT_FALSE(thim.ok());
  EXPECT_EQ(thim.error().code(), ErrorCode::kNotFound);
  StartServer(Seed("imds-seed"), /*snp=*/true, /*tdx=*/false);
  auto q = imds_->GetTdQuote(TdReport(1));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code(), ErrorCode::kNotFound);
}

TEST_F(ImdsTest, ComputeLeaves) {
  http::Response id = Get("/metadata/instance/compute/vmId?api-version=2019-03-11&format=text");
  ASSERT_EQ(id.status, 200);
  EXPECT_EQ(id.body, server_->vm_id());
  EXPECT_EQ(id.body.size(), 36u);
  http::Response loc =
      Get("/metadata/instance/compute/location?api-version=2021-01-01&format=text");
  ASSERT_EQ(loc.status, 200);
  EXPECT_EQ(loc.body, "eastus");
  EXPECT_EQ(Get("/metadata/instance/compute/location?api-version=2021-01-01&format=json").body,
            "\"eastus\"");
  http::Response no_header =
      Get("/metadata/instance/compute/location?api-version=2021-01-01&format=text", {});
  EXPECT_EQ(no_header.status, 400);
  EXPECT_EQ(json::parse(no_header.body)["error"],
            "Bad request. Required metadata header not specified");
  http::Response no_version = Get("/metadata/instance/compute/vmId?format=text");
  EXPECT_EQ(no_version.status, 400);
  EXPECT_NE(no_version.body.find("api-version was not specified"), std::string::npos);
  EXPECT_EQ(Get("/metadata/instance/compute/vmId?api-version=2019-03-11&format=xml").status, 400);
}

TEST_F(ImdsTest, SameSeedSameTokensOtherSeedOtherKeys) {
  const std::string a = json::parse(Get(TokenPath()).body)["access_token"];
  const std::string kid_a = server_->issuer().kid();
  const std::string vm_a = server_->vm_id();
  StartServer(Seed("imds-seed"));
  EXPECT_EQ(json::parse(Get(TokenPath()).body)["access_token"], a);
  StartServer(Seed("another seed"));
  const std::string b = json::parse(Get(TokenPath()).body)["access_token"];
  EXPECT_NE(b, a);
  EXPECT_NE(server_->issuer().kid(), kid_a);
  EXPECT_NE(server_->vm_id(), vm_a);
  // A token from one seed's issuer does not verify with the other's keys.
  jose::JwsVerifyOptions vo;
  vo.allowed_algs = {jose::JwsAlg::kRs256};
  EXPECT_FALSE(jose::VerifyCompactWithJwks(a, server_->issuer().Jwks(), vo).ok());
  EXPECT_TRUE(jose::VerifyCompactWithJwks(b, server_->issuer().Jwks(), vo).ok());
  // Each signed part matters: a changed header, payload or signature character fails.
  const size_t dot1 = b.find('.'), dot2 = b.rfind('.');
  for (size_t at : {size_t{2}, dot1 + 5, dot2 - 3, dot2 + 7}) {
    std::string t = b;
    t[at] = t[at] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(jose::VerifyCompactWithJwks(t, server_->issuer().Jwks(), vo).ok()) << at;
  }
}

}  // namespace
}  // namespace skr::emulator::imds
