#include <gtest/gtest.h>

#include <regex>

#include "libskr/base/files.h"
#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/jose/jwk.h"
#include "libskr/jose/jws.h"
#include "libskr/snp/abi.h"
#include "libskr/testing/shared_samples.h"
#include "mock-maa/attestation_service.h"
#include "mock-maa/claims.h"
#include "mock-maa/evidence.h"
#include "mock-maa/policy/policy.h"

namespace skr::mock_maa {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1704067200;  // 2024-01-01T00:00:00Z: inside the trustee VCEK's validity
constexpr char kSnpAttest[] = "/attest/SevSnpVm?api-version=2022-08-01";

json Decode(const std::string& segment) {
  auto b = encoding::Base64UrlDecode(segment);
  EXPECT_TRUE(b.ok());
  return json::parse(b->begin(), b->end());
}

std::vector<std::string> Segments(const std::string& jwt) {
  std::vector<std::string> out;
  size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
  out.push_back(jwt.substr(0, a));
  out.push_back(jwt.substr(a + 1, b - a - 1));
  out.push_back(jwt.substr(b + 1));
  return out;
}

// The real Azure SNP CVM evidence from trustee (evidence-formats.md 5): an HCL report whose SNP
// report binds the runtime claims, and the matching Milan VCEK + ASK + ARK.
struct SnpSample {
  Bytes report;
  Bytes runtime;
  std::string chain_pem;
};

std::optional<SnpSample> LoadSnpSample() {
  auto hcl_path = testing::SharedFile("evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  auto pem_path = testing::SharedFile("evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  if (!hcl_path || !pem_path) return std::nullopt;
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(*hcl_path));
  EXPECT_TRUE(hcl.ok());
  SnpSample s;
  s.report = ToBytes(hcl->HardwareReport());
  s.runtime = hcl->runtime_claims;
  s.chain_pem = testing::ReadTextOrDie(*pem_path);
  return s;
}

json SnpRequest(const SnpSample& s, std::optional<Bytes> runtime, const std::string& nonce = "n1",
                encoding::Base64Alphabet alpha = encoding::Base64Alphabet::kUrl,
                encoding::Base64Padding pad = encoding::Base64Padding::kWithout) {
  json inner = {{"SnpReport", encoding::Base64EncodeWith(s.report, alpha, pad)},
                {"VcekCertChain", encoding::Base64EncodeWith(AsBytes(s.chain_pem), alpha, pad)}};
  json req = {{"report", encoding::Base64EncodeWith(AsBytes(inner.dump()), alpha, pad)},
              {"nonce", nonce}};
  if (runtime) {
    req["runtimeData"] = {{"data", encoding::Base64EncodeWith(*runtime, alpha, pad)},
                          {"dataType", "JSON"}};
  }
  return req;
}

class MaaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto shared = SharedDir();
    if (!shared) GTEST_SKIP() << SharedDirHelp();
    auto anchors = LoadSampleTrustAnchors(*shared);
    ASSERT_TRUE(anchors.ok()) << anchors.error().ToString();
    ServiceOptions o;
    o.seed = Bytes{1, 2, 3, 4};
    o.issuer = "https://mock-maa.test";
    o.now = kNow;
    o.amd_roots = anchors->first;
    o.intel_roots = anchors->second;
    options_ = o;
    auto svc = AttestationService::Create(o);
    ASSERT_TRUE(svc.ok()) << svc.error().ToString();
    svc_ = std::move(*svc);
    auto s = LoadSnpSample();
    if (!s) GTEST_SKIP() << "trustee az-snp-vtpm samples missing";
    sample_ = *s;
  }

  ServiceResponse Post(const std::string& target, const json& body) {
    return svc_->Handle("POST", target, body.dump());
  }

  // The token's claims after verifying it with the service's own /certs.
  json VerifiedClaims(const std::string& jwt) {
    ServiceResponse certs = svc_->Handle("GET", "/certs", "");
    EXPECT_EQ(certs.status, 200);
    auto jwks = jose::Jwks::ParseText(certs.body);
    EXPECT_TRUE(jwks.ok()) << jwks.error().ToString();
    jose::JwsVerifyOptions vo;
    vo.allowed_algs = {jose::JwsAlg::kRs256};
    auto v = jose::VerifyCompactWithJwks(jwt, *jwks, vo);
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    if (!v.ok()) return json();
    return json::parse(v->payload.begin(), v->payload.end());
  }

  void ExpectError(const ServiceResponse& r, int status, const std::string& code,
                   const std::string& message_part = "") {
    EXPECT_EQ(r.status, status) << r.body;
    json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.body;
    ASSERT_TRUE(j.contains("error")) << r.body;
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    EXPECT_NE(j["error"]["message"].get<std::string>().find(message_part), std::string::npos)
        << r.body;
    bool header = false;
    for (auto& [k, v] : r.headers) header = header || (k == "x-ms-error-code" && v == code);
    EXPECT_TRUE(header);
  }

  ServiceOptions options_;
  std::unique_ptr<AttestationService> svc_;
  SnpSample sample_;
};

TEST_F(MaaServiceTest, SevSnpVmRealSampleTokenShape) {
  ServiceResponse r = Post(kSnpAttest, SnpRequest(sample_, sample_.runtime, "abc"));
  ASSERT_EQ(r.status, 200) << r.body;
  json body = json::parse(r.body);
  ASSERT_EQ(body.size(), 1u);
  std::string jwt = body["token"];
  EXPECT_TRUE(
      std::regex_match(jwt, std::regex("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*")));
  json header = Decode(Segments(jwt)[0]);
  EXPECT_EQ(header, json({{"alg", "RS256"},
                          {"jku", "https://mock-maa.test/certs"},
                          {"kid", svc_->CurrentKid()},
                          {"typ", "JWT"}}));
  // kid is standard base64 of 32 bytes, as MAA's.
  EXPECT_EQ(header["kid"].get<std::string>().size(), 44u);

  json c = VerifiedClaims(jwt);
  EXPECT_EQ(c["iat"], kNow);
  EXPECT_EQ(c["nbf"], kNow);
  EXPECT_EQ(c["exp"], kNow + 28800);
  EXPECT_EQ(c["iss"], "https://mock-maa.test");
  EXPECT_TRUE(std::regex_match(c["jti"].get<std::string>(), std::regex("[0-9a-f]{64}")));
  EXPECT_EQ(c["x-ms-ver"], "1.0");
  EXPECT_EQ(c["x-ms-attestation-type"], "sevsnpvm");
  EXPECT_EQ(c["x-ms-compliance-status"], "azure-compliant-cvm");
  EXPECT_EQ(c["nonce"], "abc");
  // The default SevSnpVm policy hashes as in real MAA tokens (skr-protocol.md 3.3).
  EXPECT_EQ(c["x-ms-policy-hash"], "9NY0VnTQ-IiBriBplVUpFbczcDaEBUwsiFYAzHu_gco");
  EXPECT_EQ(c["x-ms-runtime"], json::parse(sample_.runtime.begin(), sample_.runtime.end()));
  EXPECT_TRUE(c["x-ms-runtime"]["keys"][0]["kid"] == "HCLAkPub");
  auto report = snp::ParseSnpReport(sample_.report);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(c["x-ms-sevsnpvm-reportdata"],
            encoding::HexEncode(ByteView(report->report_data.data(), 64)));
  EXPECT_EQ(c["x-ms-sevsnpvm-launchmeasurement"],
            encoding::HexEncode(ByteView(report->measurement.data(), 48)));
  EXPECT_EQ(c["x-ms-sevsnpvm-is-debuggable"], false);
  EXPECT_EQ(c["x-ms-sevsnpvm-vmpl"], 0);
  EXPECT_FALSE(c.contains("x-ms-isolation-tee"));  // SevSnpVm claims are top-level (6.4)
}

TEST_F(MaaServiceTest, SevSnpVmClaimsMatchRealTokenNamesAndTypes) {
  // The real 2025 MAA token's x-ms-isolation-tee holds the same x-ms-sevsnpvm-* claims a
  // SevSnpVm token carries top-level; names and JSON types must agree one for one.
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/midnight-trusted-setup/attestation.txt");
  std::string jwt = testing::ReadTextOrDie(path);
  while (!jwt.empty() && std::isspace(static_cast<unsigned char>(jwt.back()))) jwt.pop_back();
  json real = Decode(Segments(jwt)[1])["x-ms-isolation-tee"];
  auto report = snp::ParseSnpReport(sample_.report);
  ASSERT_TRUE(report.ok());
  json ours = SevSnpVmClaims(*report, snp::Product::kMilan);
  size_t compared = 0;
  for (auto it = real.begin(); it != real.end(); ++it) {
    if (it.key().rfind("x-ms-sevsnpvm-", 0) != 0) continue;
    ASSERT_TRUE(ours.contains(it.key())) << it.key();
    EXPECT_EQ(ours[it.key()].type_name(), std::string(it.value().type_name())) << it.key();
    if (it.value().is_string()) {
      EXPECT_EQ(ours[it.key()].get<std::string>().size(), it.value().get<std::string>().size())
          << it.key();
    }
    ++compared;
  }
  EXPECT_EQ(compared, 23u);
  for (auto it = ours.begin(); it != ours.end(); ++it)
    EXPECT_TRUE(real.contains(it.key())) << it.key();
}

TEST_F(MaaServiceTest, EncodingVariantsAndNumericNonceAccepted) {
  json std_padded = SnpRequest(sample_, sample_.runtime, "x", encoding::Base64Alphabet::kStandard,
                               encoding::Base64Padding::kWith);
  EXPECT_EQ(Post(kSnpAttest, std_padded).status, 200);
  json url_padded = SnpRequest(sample_, sample_.runtime, "x", encoding::Base64Alphabet::kUrl,
                               encoding::Base64Padding::kWith);
  url_padded["nonce"] = 18446744073709551615ull;
  ServiceResponse r = Post("/ATTEST/sevsnpVM?api-version=2020-10-01", url_padded);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(VerifiedClaims(json::parse(r.body)["token"])["nonce"], "18446744073709551615");
  json no_runtime = SnpRequest(sample_, std::nullopt);
  r = Post(kSnpAttest, no_runtime);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(VerifiedClaims(json::parse(r.body)["token"]).contains("x-ms-runtime"));
}

TEST_F(MaaServiceTest, SevSnpVmTamperedEvidenceRejected) {
  Bytes runtime = sample_.runtime;
  runtime[runtime.size() / 2] ^= 1;
  ExpectError(Post(kSnpAttest, SnpRequest(sample_, runtime)), 400, "InvalidParameter",
              "SHA-256(runtimeData)");

  for (size_t offset : {0x50u, 0x90u, 0x180u, 0x2A0u}) {  // report data, measurement, TCB, sig
    SnpSample bad = sample_;
    bad.report[offset] ^= 0x01;
    ServiceResponse r = Post(kSnpAttest, SnpRequest(bad, std::nullopt));
    EXPECT_EQ(r.status, 400) << "offset " << offset << ": " << r.body;
  }
  SnpSample truncated = sample_;
  truncated.report.resize(1000);
  ExpectError(Post(kSnpAttest, SnpRequest(truncated, std::nullopt)), 400, "InvalidParameter");

  json init = SnpRequest(sample_, sample_.runtime);
  init["initTimeData"] = {{"data", "AAAA"}, {"dataType", "Binary"}};
  ExpectError(Post(kSnpAttest, init), 400, "InvalidParameter", "HOST_DATA");
}

TEST_F(MaaServiceTest, SevSnpVmChainCheckedAtServiceClockAndRoots) {
  svc_->SetNow(946684800);  // 2000: before every certificate
  ExpectError(Post(kSnpAttest, SnpRequest(sample_, sample_.runtime)), 400, "InvalidParameter");
  svc_->SetNow(kNow);
  // Only the Genoa/Turin ARKs trusted: the Milan chain must fail.
  ServiceOptions o = options_;
  o.amd_roots.erase(o.amd_roots.begin());
  auto other = AttestationService::Create(o);
  ASSERT_TRUE(other.ok());
  ServiceResponse r =
      (*other)->Handle("POST", kSnpAttest, SnpRequest(sample_, sample_.runtime).dump());
  EXPECT_EQ(r.status, 400) << r.body;
  // Swapped chain order (ARK first) is refused too.
  auto certs = x509::CertificatesFromPem(sample_.chain_pem);
  ASSERT_TRUE(certs.ok());
  std::vector<x509::Certificate> swapped = {(*certs)[2], (*certs)[1], (*certs)[0]};
  SnpSample s = sample_;
  s.chain_pem = x509::CertificatesToPem(swapped);
  EXPECT_EQ(Post(kSnpAttest, SnpRequest(s, sample_.runtime)).status, 400);
}

TEST_F(MaaServiceTest, EndpointErrors) {
  json good = SnpRequest(sample_, sample_.runtime);
  ExpectError(Post("/attest/SevSnpVm", good), 400, "MissingApiVersionParameter", "api-version");
  ExpectError(Post("/attest/SevSnpVm?api-version=2019-01-01", good), 400,
              "InvalidApiVersionParameter", "2019-01-01");
  ExpectError(svc_->Handle("POST", kSnpAttest, "{not json"), 400, "InvalidParameter",
              "not a JSON object");
  ExpectError(svc_->Handle("POST", kSnpAttest, "[1,2]"), 400, "InvalidParameter");
  ExpectError(Post(kSnpAttest, json{{"report", "***"}}), 400, "InvalidParameter",
              "request.report is not base64");
  ExpectError(Post(kSnpAttest, json{{"report", 5}}), 400, "InvalidParameter",
              "request.report must be a string");
  ExpectError(Post(kSnpAttest, json::object()), 400, "InvalidParameter",
              "request.report is missing");
  json bad_type = good;
  bad_type["runtimeData"]["dataType"] = "XML";
  ExpectError(Post(kSnpAttest, bad_type), 400, "InvalidParameter", "dataType");
  json bad_nonce = good;
  bad_nonce["nonce"] = json::array();
  ExpectError(Post(kSnpAttest, bad_nonce), 400, "InvalidParameter", "nonce");
  ExpectError(svc_->Handle("POST", kSnpAttest, std::string(options_.max_body_bytes + 1, 'x')), 413,
              "RequestEntityTooLarge");
  ExpectError(svc_->Handle("GET", kSnpAttest, ""), 405, "MethodNotAllowed");
  ExpectError(svc_->Handle("GET", "/nothing/here", ""), 404, "NotFound");
  ExpectError(Post("/attest/Nope?api-version=2022-08-01", good), 404, "NotFound");
  ExpectError(Post("/attest/SgxEnclave?api-version=2022-08-01", good), 400, "InvalidParameter",
              "not implemented");
  // After all of that the service still answers.
  EXPECT_EQ(Post(kSnpAttest, good).status, 200);
}

TEST_F(MaaServiceTest, TruncatedBodiesAreAnsweredAndServiceKeepsServing) {
  std::string body = SnpRequest(sample_, sample_.runtime).dump();
  for (size_t n = 0; n < body.size(); n += 97) {
    ServiceResponse r = svc_->Handle("POST", kSnpAttest, body.substr(0, n));
    EXPECT_EQ(r.status, 400) << n;
    json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r.body;
  }
  // Inner JSON truncated inside the base64url "report".
  json inner = {{"SnpReport", encoding::Base64UrlEncode(sample_.report)}};
  std::string inner_text = inner.dump();
  for (size_t n : {size_t{0}, size_t{1}, inner_text.size() / 2, inner_text.size() - 1}) {
    json req = {{"report", encoding::Base64UrlEncode(AsBytes(inner_text.substr(0, n)))}};
    ExpectError(Post(kSnpAttest, req), 400, "InvalidParameter");
  }
  EXPECT_EQ(Post(kSnpAttest, SnpRequest(sample_, sample_.runtime)).status, 200);
}

TEST_F(MaaServiceTest, CertsAndOpenIdConfiguration) {
  ServiceResponse oidc = svc_->Handle("GET", "/.well-known/openid-configuration", "");
  ASSERT_EQ(oidc.status, 200);
  json o = json::parse(oidc.body);
  EXPECT_EQ(o["issuer"], "https://mock-maa.test");
  EXPECT_EQ(o["jwks_uri"], "https://mock-maa.test/certs");
  EXPECT_EQ(o["id_token_signing_alg_values_supported"], json::array({"RS256"}));
  EXPECT_EQ(o["response_types_supported"], json::array({"token", "none"}));
  ServiceResponse certs = svc_->Handle("GET", "/certs", "");
  json k = json::parse(certs.body)["keys"][0];
  EXPECT_EQ(k["kty"], "RSA");
  EXPECT_EQ(k["alg"], "RS256");
  EXPECT_EQ(k["use"], "sig");
  EXPECT_EQ(k["kid"], svc_->CurrentKid());
  auto chain = jose::DecodeX5c(k["x5c"]);  // standard base64 DER
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ((*chain)[0].subject_cn(), "https://mock-maa.test");
  // Same seed, same key: determinism across instances.
  auto again = AttestationService::Create(options_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Handle("GET", "/certs", "").body, certs.body);
}

TEST_F(MaaServiceTest, TestControlsClockAndKeyRotation) {
  ServiceResponse r = svc_->Handle("PUT", "/_test/clock", R"({"now": 1710000000})");
  ASSERT_EQ(r.status, 200);
  r = svc_->Handle("POST", "/_test/clock", R"({"advance": 60})");
  EXPECT_EQ(json::parse(r.body)["now"], 1710000060);
  ExpectError(svc_->Handle("PUT", "/_test/clock", R"({"now": "soon"})"), 400, "InvalidParameter");
  ServiceResponse tok = Post(kSnpAttest, SnpRequest(sample_, sample_.runtime));
  ASSERT_EQ(tok.status, 200);
  std::string jwt = json::parse(tok.body)["token"];
  EXPECT_EQ(VerifiedClaims(jwt)["iat"], 1710000060);

  std::string old_kid = svc_->CurrentKid();
  r = svc_->Handle("POST", "/_test/rotate-signing-key", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(svc_->CurrentKid(), old_kid);
  auto jwks = jose::Jwks::ParseText(svc_->Handle("GET", "/certs", "").body);
  ASSERT_TRUE(jwks.ok());
  jose::JwsVerifyOptions vo;
  vo.allowed_algs = {jose::JwsAlg::kRs256};
  EXPECT_FALSE(jose::VerifyCompactWithJwks(jwt, *jwks, vo).ok());  // old kid gone
}

TEST_F(MaaServiceTest, PolicyUploadChangesHashAndDenies) {
  const std::string target = "/policies/SevSnpVm?api-version=2022-08-01";
  std::string deny =
      "version=1.0;\nauthorizationrules {\n"
      "  [type==\"x-ms-sevsnpvm-vmpl\", value==0] => deny();\n  => permit();\n};\n";
  ServiceResponse put = svc_->Handle("PUT", target, deny);
  ASSERT_EQ(put.status, 200) << put.body;
  json put_claims = VerifiedClaims(json::parse(put.body)["token"]);
  EXPECT_EQ(put_claims["x-ms-policy-result"], "Updated");
  EXPECT_EQ(put_claims["x-ms-policy-token-hash"], PolicyHash(deny));
  ExpectError(Post(kSnpAttest, SnpRequest(sample_, sample_.runtime)), 400, "PolicyEvaluationError",
              "authorizationrules rule 1 (line 3)");

  // Unsecured JWT form with an issuance rule; the token carries the issued claim and the hash.
  std::string issue =
      "version=1.0; authorizationrules { => permit(); }; issuancerules { "
      "c:[type==\"x-ms-sevsnpvm-vmpl\"] => issue(type=\"my-vmpl\", value=c.value); };";
  std::string jws =
      encoding::Base64UrlEncode(AsBytes(R"({"alg":"none"})")) + "." +
      encoding::Base64UrlEncode(
          AsBytes(json{{"AttestationPolicy", encoding::Base64UrlEncode(AsBytes(issue))}}.dump())) +
      ".";
  ASSERT_EQ(svc_->Handle("PUT", target, jws).status, 200);
  ServiceResponse r = Post(kSnpAttest, SnpRequest(sample_, sample_.runtime));
  ASSERT_EQ(r.status, 200) << r.body;
  json c = VerifiedClaims(json::parse(r.body)["token"]);
  EXPECT_EQ(c["my-vmpl"], 0);
  EXPECT_EQ(c["x-ms-policy-hash"], PolicyHash(issue));

  ExpectError(svc_->Handle("PUT", target, "version=1.0;\nauthorizationrules { => allow(); };"), 400,
              "PolicyParsingError", "line 2, column 25");
  ExpectError(svc_->Handle("PUT", "/policies/Bogus?api-version=2022-08-01", issue), 400,
              "InvalidParameter");

  ServiceResponse reset =
      svc_->Handle("POST", "/policies/SevSnpVm:reset?api-version=2022-08-01", "");
  ASSERT_EQ(reset.status, 200) << reset.body;
  r = Post(kSnpAttest, SnpRequest(sample_, sample_.runtime));
  ASSERT_EQ(r.status, 200);
  c = VerifiedClaims(json::parse(r.body)["token"]);
  EXPECT_FALSE(c.contains("my-vmpl"));
  EXPECT_NE(c["x-ms-policy-hash"], PolicyHash(issue));
}

TEST_F(MaaServiceTest, DraftPolicyGivesUnsecuredToken) {
  json req = SnpRequest(sample_, sample_.runtime);
  std::string draft =
      "version=1.0; authorizationrules { => permit(); }; issuancerules { "
      "c:[type==\"x-ms-sevsnpvm-guestsvn\"] => issue(type=\"draft-svn\", value=c.value); };";
  req["draftPolicyForAttestation"] = draft;
  ServiceResponse r = Post(kSnpAttest, req);
  ASSERT_EQ(r.status, 200) << r.body;
  std::string jwt = json::parse(r.body)["token"];
  std::vector<std::string> seg = Segments(jwt);
  EXPECT_EQ(Decode(seg[0]), json({{"alg", "none"}}));
  EXPECT_TRUE(seg[2].empty());
  json c = Decode(seg[1]);
  EXPECT_EQ(c["x-ms-policy-hash"], PolicyHash(draft));
  EXPECT_TRUE(c.contains("draft-svn"));
  req["draftPolicyForAttestation"] = "version=1.0; authorizationrules { => deny(); };";
  ExpectError(Post(kSnpAttest, req), 400, "PolicyEvaluationError");
  req["draftPolicyForAttestation"] = "version=1.0; nonsense";
  ExpectError(Post(kSnpAttest, req), 400, "PolicyParsingError", "line 1, column 14");
  // The stored policy is untouched.
  r = Post(kSnpAttest, SnpRequest(sample_, sample_.runtime));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(VerifiedClaims(json::parse(r.body)["token"])["x-ms-policy-hash"],
            "9NY0VnTQ-IiBriBplVUpFbczcDaEBUwsiFYAzHu_gco");
}

TEST(SealedToken, RoundTripAndTamper) {
  crypto::Drbg key_drbg(AsBytes("seal-test"), "ephemeral");
  auto key = crypto::DeriveRsaKey(key_drbg, 2048);
  ASSERT_TRUE(key.ok());
  crypto::Drbg drbg(AsBytes("seal-test"), "seal");
  auto sealed = SealToken("a.b.c", key->public_key(), drbg);
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  auto outer_bytes = encoding::Base64UrlDecode(*sealed);
  ASSERT_TRUE(outer_bytes.ok());
  json outer = json::parse(outer_bytes->begin(), outer_bytes->end());
  EXPECT_EQ(outer["EncryptionParams"]["Cipher"], "AES");
  EXPECT_EQ(outer["EncryptionParams"]["BlockMode"], "ChainingModeGCM");
  EXPECT_EQ(outer["EncryptionParams"]["KeySizeInBits"], 256);
  EXPECT_EQ(encoding::Base64DecodeAny(outer["EncryptedInnerKey"].get<std::string>())->size(), 256u);
  EXPECT_EQ(encoding::Base64DecodeAny(outer["EncryptionParams"]["Iv"].get<std::string>())->size(),
            12u);
  EXPECT_EQ(encoding::Base64DecodeAny(outer["AuthenticationData"].get<std::string>())->size(), 16u);
  auto jwt = UnsealToken(*sealed, *key);
  ASSERT_TRUE(jwt.ok()) << jwt.error().ToString();
  EXPECT_EQ(*jwt, "a.b.c");
  for (const char* field : {"Jwt", "AuthenticationData"}) {
    json bad = outer;
    Bytes b = *encoding::Base64DecodeAny(bad[field].get<std::string>());
    b[0] ^= 1;
    bad[field] = encoding::Base64Encode(b);
    EXPECT_FALSE(UnsealToken(encoding::Base64UrlEncode(AsBytes(bad.dump())), *key).ok()) << field;
  }
  crypto::Drbg other_drbg(AsBytes("seal-test"), "other");
  auto other = crypto::DeriveRsaKey(other_drbg, 2048);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(UnsealToken(*sealed, *other).ok());
}

TEST(CommonClaims, LifetimeIsEightHours) {
  json c = CommonClaims({"https://x", 1000, std::string(64, 'a'), "sevsnpvm", "h"});
  EXPECT_EQ(c["exp"], 1000 + 28800);
  EXPECT_EQ(c["nbf"], 1000);
  EXPECT_EQ(c["x-ms-ver"], "1.0");
  EXPECT_TRUE(c["iat"].is_number_integer());
}

}  // namespace
}  // namespace skr::mock_maa
