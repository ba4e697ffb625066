// TdxVm on the real Azure TD quote, AzureGuest on evidence built with libskr, and the HTTPS
// server end to end.
#include <gtest/gtest.h>

#include "libskr/base/files.h"
#include "libskr/crypto/derive.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/http/client.h"
#include "libskr/jose/jwk.h"
#include "libskr/jose/jws.h"
#include "libskr/snp/abi.h"
#include "libskr/snp/vcek.h"
#include "libskr/testing/shared_samples.h"
#include "libskr/tpm/attest.h"
#include "libskr/tpm/public.h"
#include "libskr/x509/builder.h"
#include "mock-maa/attestation_service.h"
#include "mock-maa/claims.h"
#include "mock-maa/evidence.h"
#include "mock-maa/server.h"

namespace skr::mock_maa {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1704067200;  // 2024-01-01

json Payload(const std::string& jwt) {
  size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
  auto p = encoding::Base64UrlDecode(jwt.substr(a + 1, b - a - 1));
  EXPECT_TRUE(p.ok());
  return json::parse(p->begin(), p->end());
}

std::string ErrorCodeOf(const ServiceResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("error")) return "";
  return j["error"]["code"];
}

ServiceOptions BaseOptions() {
  ServiceOptions o;
  o.seed = Bytes{9, 9, 9};
  o.issuer = "https://mock-maa.test";
  o.now = kNow;
  if (auto shared = SharedDir()) {
    auto anchors = LoadSampleTrustAnchors(*shared);
    EXPECT_TRUE(anchors.ok());
    if (anchors.ok()) {
      o.amd_roots = anchors->first;
      o.intel_roots = anchors->second;
    }
  }
  return o;
}

// ------------------------------------------------------------------------------------------
// TdxVm

struct TdxSample {
  Bytes quote;
  Bytes runtime;
};

std::optional<TdxSample> LoadTdx() {
  auto q = testing::SharedFile("evidence-samples/trustee/az-tdx-vtpm/td-quote.bin");
  auto h = testing::SharedFile("evidence-samples/trustee/az-tdx-vtpm/hcl-report.bin");
  if (!q || !h) return std::nullopt;
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(*h));
  EXPECT_TRUE(hcl.ok());
  return TdxSample{testing::ReadBytesOrDie(*q), hcl->runtime_claims};
}

json TdxRequest(const TdxSample& s, std::optional<Bytes> runtime) {
  json req = {{"quote", encoding::Base64UrlEncode(s.quote)}, {"nonce", "tdx-nonce"}};
  if (runtime) {
    req["runtimeData"] = {{"data", encoding::Base64UrlEncode(*runtime)}, {"dataType", "JSON"}};
  }
  return req;
}

constexpr char kTdxAttest[] = "/attest/TdxVm?api-version=2023-04-01-preview";

TEST(TdxVm, RealAzureQuoteClaimsAndBinding) {
  auto s = LoadTdx();
  if (!s) GTEST_SKIP() << "trustee az-tdx-vtpm samples missing";
  auto svc = AttestationService::Create(BaseOptions());
  ASSERT_TRUE(svc.ok());
  ServiceResponse r = (*svc)->Handle("POST", kTdxAttest, TdxRequest(*s, s->runtime).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  json c = Payload(json::parse(r.body)["token"]);
  EXPECT_EQ(c["x-ms-attestation-type"], "tdxvm");
  EXPECT_EQ(c["nonce"], "tdx-nonce");
  EXPECT_EQ(c["exp"].get<int64_t>() - c["iat"].get<int64_t>(), 28800);
  EXPECT_EQ(c["x-ms-runtime"], json::parse(s->runtime.begin(), s->runtime.end()));
  // Every claim of the docs' TdxVm token (skr-protocol.md 3.4), with its JSON type.
  const std::map<std::string, std::string> expected = {
      {"attester_tcb_status", "string"},
      {"dbgstat", "string"},
      {"eat_profile", "string"},
      {"intuse", "string"},
      {"tdx_mrconfigid", "string"},
      {"tdx_mrowner", "string"},
      {"tdx_mrownerconfig", "string"},
      {"tdx_mrseam", "string"},
      {"tdx_mrsignerseam", "string"},
      {"tdx_mrtd", "string"},
      {"tdx_report_data", "string"},
      {"tdx_rtmr0", "string"},
      {"tdx_rtmr1", "string"},
      {"tdx_rtmr2", "string"},
      {"tdx_rtmr3", "string"},
      {"tdx_seam_attributes", "string"},
      {"tdx_seamsvn", "number"},
      {"tdx_td_attributes", "string"},
      {"tdx_td_attributes_debug", "boolean"},
      {"tdx_td_attributes_key_locker", "boolean"},
      {"tdx_td_attributes_perfmon", "boolean"},
      {"tdx_td_attributes_protection_keys", "boolean"},
      {"tdx_td_attributes_septve_disable", "boolean"},
      {"tdx_tee_tcb_svn", "string"},
      {"tdx_xfam", "string"},
      {"x-ms-compliance-status", "string"},
      {"x-ms-policy-hash", "string"},
      {"jti", "string"},
      {"iss", "string"},
      {"nbf", "number"},
      {"x-ms-ver", "string"}};
  for (const auto& [name, type] : expected) {
    ASSERT_TRUE(c.contains(name)) << name;
    EXPECT_EQ(std::string(c[name].type_name()), type) << name;
  }
  EXPECT_EQ(c["tdx_mrtd"].get<std::string>().size(), 96u);
  EXPECT_EQ(c["tdx_report_data"].get<std::string>().size(), 128u);
  EXPECT_EQ(c["tdx_td_attributes"].get<std::string>().size(), 16u);
  EXPECT_EQ(c["tdx_tee_tcb_svn"].get<std::string>().size(), 32u);
  EXPECT_EQ(c["dbgstat"], "disabled");
  EXPECT_EQ(c["x-ms-policy-hash"], "B56nbp5slhw66peoRYkpdq1WykMkEworvdol08hnMXE");  // as real MAA
}

TEST(TdxVm, TamperedQuoteRuntimeAndRootRejected) {
  auto s = LoadTdx();
  if (!s) GTEST_SKIP() << "trustee az-tdx-vtpm samples missing";
  auto svc = AttestationService::Create(BaseOptions());
  ASSERT_TRUE(svc.ok());
  Bytes rt = s->runtime;
  rt[10] ^= 1;
  ServiceResponse r = (*svc)->Handle("POST", kTdxAttest, TdxRequest(*s, rt).dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("runtimeData"), std::string::npos) << r.body;
  // Header, body (MRTD, REPORTDATA) and the signature area.
  for (size_t off : {8u, 48u + 136u, 48u + 520u, 48u + 584u + 10u}) {
    TdxSample bad = *s;
    bad.quote[off] ^= 1;
    ServiceResponse rr = (*svc)->Handle("POST", kTdxAttest, TdxRequest(bad, std::nullopt).dump());
    EXPECT_EQ(rr.status, 400) << "offset " << off << " " << rr.body;
    EXPECT_EQ(ErrorCodeOf(rr), "InvalidParameter");
  }
  TdxSample truncated = *s;
  truncated.quote.resize(600);
  EXPECT_EQ((*svc)->Handle("POST", kTdxAttest, TdxRequest(truncated, std::nullopt).dump()).status,
            400);
  ServiceOptions no_intel = BaseOptions();
  no_intel.intel_roots.clear();
  auto other = AttestationService::Create(no_intel);
  ASSERT_TRUE(other.ok());
  r = (*other)->Handle("POST", kTdxAttest, TdxRequest(*s, s->runtime).dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Intel"), std::string::npos) << r.body;
  json init = TdxRequest(*s, s->runtime);
  init["initTimeData"] = {{"data", "AQID"}, {"dataType", "Binary"}};
  r = (*svc)->Handle("POST", kTdxAttest, init.dump());
  EXPECT_NE(r.body.find("MRCONFIGID"), std::string::npos) << r.body;
}

// ------------------------------------------------------------------------------------------
// AzureGuest, with a vTPM built from libskr pieces (AIK root, AK, quote, certified ephemeral key)

struct Guest {
  std::optional<crypto::PrivateKey> root_key, ak, enc;
  std::optional<x509::Certificate> root, aik_cert;
};

crypto::PrivateKey Derive(const char* label) {
  crypto::Drbg d(AsBytes("azure-guest-test"), label);
  return *crypto::DeriveRsaKey(d, 2048);
}

x509::Certificate Cert(const std::string& subject, const std::string& issuer,
                       const crypto::PublicKey& key, const crypto::PrivateKey& signer, bool ca) {
  x509::CertificateSpec spec;
  spec.serial = {0x01, static_cast<uint8_t>(subject.size())};
  spec.subject = {{"CN", subject}};
  spec.issuer = {{"CN", issuer}};
  spec.not_before = 1577836800;  // 2020
  spec.not_after = 1893456000;   // 2030
  spec.subject_key = key;
  spec.basic_constraints_ca = ca;
  spec.key_usage = ca ? x509::kKeyUsageKeyCertSign : x509::kKeyUsageDigitalSignature;
  auto c = x509::SignCertificate(spec, signer, x509::SignatureAlgorithm::kRsaPkcs1Sha256);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return *c;
}

const Guest& TestGuest() {
  static const Guest g = [] {
    Guest g;
    g.root_key = Derive("root");
    g.ak = Derive("ak");
    g.enc = Derive("enc");
    g.root = Cert("Test vTPM AIK Root", "Test vTPM AIK Root", g.root_key->public_key(), *g.root_key,
                  true);
    g.aik_cert = Cert("Test AIK", "Test vTPM AIK Root", g.ak->public_key(), *g.root_key, false);
    return g;
  }();
  return g;
}

tpm::TpmPublic PublicOf(const crypto::PublicKey& k, uint32_t attributes) {
  tpm::TpmPublic tmpl;
  tmpl.name_alg = tpm::kAlgSha256;
  tmpl.object_attributes = attributes;
  return *tpm::PublicFromKey(k, tmpl);
}

Bytes SignRaw(const crypto::PrivateKey& k, ByteView msg) {
  return *crypto::SignRsaPkcs1(k, crypto::HashAlg::kSha256, msg);
}

// The decoded AttestationInfo the C++ guest library sends (skr-protocol.md 1.4), TrustedLaunch
// unless `isolation` is given. `mutate` edits it before encoding.
json GuestInfo(const Guest& g, std::optional<json> isolation = std::nullopt) {
  tpm::PcrValues values;
  json pcrs = json::array();
  for (uint32_t i = 0; i < 8; ++i) {
    Bytes d = crypto::Sha256(AsBytes("pcr" + std::to_string(i)));
    values[{tpm::kAlgSha256, i}] = d;
    pcrs.push_back({{"Index", i}, {"Digest", encoding::Base64Encode(d)}});
  }
  tpm::TpmPublic ak_pub = PublicOf(g.ak->public_key(), 0x00050072);
  tpm::TpmPublic enc_pub = PublicOf(g.enc->public_key(), 0x00020472);
  tpm::Attest quote;
  quote.type = tpm::kStAttestQuote;
  quote.qualified_signer = *ak_pub.Name();
  tpm::PcrSelection sel;
  sel.pcrs = {0, 1, 2, 3, 4, 5, 6, 7};
  quote.quote = tpm::QuoteInfo{{sel}, *tpm::PcrDigest(crypto::HashAlg::kSha256, {&sel, 1}, values)};
  Bytes quote_bytes = *quote.Serialize();
  tpm::Attest certify;
  certify.type = tpm::kStAttestCertify;
  certify.qualified_signer = *ak_pub.Name();
  certify.certify = tpm::CertifyInfo{*enc_pub.Name(), *enc_pub.Name()};
  Bytes certify_bytes = *certify.Serialize();
  json tpm_info = {
      {"AikCert", encoding::Base64Encode(g.aik_cert->ToDer())},
      {"AikPub", encoding::Base64Encode(ak_pub.Serialize2B())},
      {"PcrQuote", encoding::Base64Encode(quote_bytes)},
      {"PcrSignature", encoding::Base64Encode(SignRaw(*g.ak, quote_bytes))},
      {"PcrSet", {0, 1, 2, 3, 4, 5, 6, 7}},
      {"PCRs", pcrs},
      {"EncKeyPub", encoding::Base64Encode(enc_pub.Serialize2B())},
      {"EncKeyCertifyInfo", encoding::Base64Encode(certify_bytes)},
      {"EncKeyCertifyInfoSignature", encoding::Base64Encode(SignRaw(*g.ak, certify_bytes))}};
  return {{"AttestationProtocolVersion", "2.0"},
          {"OSType", encoding::Base64Encode(AsBytes("Linux"))},
          {"OSDistro", encoding::Base64Encode(AsBytes("Ubuntu"))},
          {"OSVersionMajor", 22},
          {"OSVersionMinor", "4"},
          {"OSBuild", encoding::Base64Encode(AsBytes("NotApplication"))},
          {"TcgLogs", ""},
          {"ClientPayload", {{"nonce", "MTIzNA=="}}},
          {"TpmInfo", tpm_info},
          {"IsolationInfo", isolation.value_or(json{{"Type", "TrustedLaunch"}})}};
}

std::string GuestBody(const json& info) {
  return json{{"AttestationInfo", encoding::Base64UrlEncode(AsBytes(info.dump()))}}.dump();
}

constexpr char kGuestAttest[] = "/attest/AzureGuest?api-version=2020-10-01";

std::unique_ptr<AttestationService> GuestService() {
  ServiceOptions o = BaseOptions();
  o.aik_roots = {*TestGuest().root};
  auto s = AttestationService::Create(o);
  EXPECT_TRUE(s.ok());
  return std::move(*s);
}

TEST(AzureGuest, SealedTokenToTheEphemeralKey) {
  const Guest& g = TestGuest();
  auto svc = GuestService();
  ServiceResponse r = svc->Handle("POST", kGuestAttest, GuestBody(GuestInfo(g)));
  ASSERT_EQ(r.status, 200) << r.body;
  std::string sealed = json::parse(r.body)["token"];
  EXPECT_EQ(sealed.find('.'), std::string::npos);  // sealed, not a JWT
  auto jwt = UnsealToken(sealed, *g.enc);
  ASSERT_TRUE(jwt.ok()) << jwt.error().ToString();
  EXPECT_FALSE(UnsealToken(sealed, *g.ak).ok());
  auto jwks = jose::Jwks::ParseText(svc->Handle("GET", "/certs", "").body);
  ASSERT_TRUE(jwks.ok());
  jose::JwsVerifyOptions vo;
  vo.allowed_algs = {jose::JwsAlg::kRs256};
  auto v = jose::VerifyCompactWithJwks(*jwt, *jwks, vo);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  json c = json::parse(v->payload.begin(), v->payload.end());
  EXPECT_EQ(c["x-ms-attestation-type"], "azurevm");
  EXPECT_EQ(c["x-ms-azurevm-attested-pcrs"], json({0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(c["x-ms-azurevm-ostype"], "Linux");
  EXPECT_EQ(c["x-ms-azurevm-osdistro"], "Ubuntu");
  EXPECT_EQ(c["x-ms-azurevm-osversion-minor"], 4);
  EXPECT_EQ(c["x-ms-azurevm-is-windows"], false);
  EXPECT_EQ(c["x-ms-runtime"]["client-payload"]["nonce"], "MTIzNA==");
  json key = c["x-ms-runtime"]["keys"][0];
  EXPECT_EQ(key["kid"], "TpmEphemeralEncryptionKey");
  EXPECT_EQ(key["key_ops"], json::array({"encrypt"}));
  auto jwk = jose::Jwk::Parse(key);
  ASSERT_TRUE(jwk.ok());
  EXPECT_TRUE(jwk->ToPublicKey()->Equals(g.enc->public_key()));
  EXPECT_FALSE(c.contains("x-ms-isolation-tee"));  // trusted launch: no isolation evidence
  EXPECT_EQ(c["exp"].get<int64_t>() - c["iat"].get<int64_t>(), 28800);
  // The spec's lower-case "attestationInfo" works as the C++ library's "AttestationInfo" does.
  std::string lower = GuestBody(GuestInfo(g));
  lower.replace(lower.find("AttestationInfo"), 1, "a");
  EXPECT_EQ(svc->Handle("POST", "/attest/azureguest?api-version=2025-06-01", lower).status, 200);
}

TEST(AzureGuest, TamperedTpmEvidenceRejected) {
  const Guest& g = TestGuest();
  auto svc = GuestService();
  auto expect_400 = [&](const json& info, const std::string& part) {
    ServiceResponse r = svc->Handle("POST", kGuestAttest, GuestBody(info));
    EXPECT_EQ(r.status, 400) << part << ": " << r.body;
    EXPECT_NE(r.body.find(part), std::string::npos) << r.body;
  };
  json info = GuestInfo(g);
  json bad = info;
  bad["TpmInfo"]["PCRs"][3]["Digest"] = encoding::Base64Encode(Bytes(32, 0));
  expect_400(bad, "PCR quote");
  bad = info;
  Bytes sig = *encoding::Base64DecodeAny(bad["TpmInfo"]["PcrSignature"].get<std::string>());
  sig[5] ^= 1;
  bad["TpmInfo"]["PcrSignature"] = encoding::Base64Encode(sig);
  expect_400(bad, "PCR quote");
  bad = info;  // a different key than the certified one
  bad["TpmInfo"]["EncKeyPub"] =
      encoding::Base64Encode(PublicOf(g.root_key->public_key(), 0x00020472).Serialize2B());
  expect_400(bad, "EncKeyCertifyInfo/EncKeyCertifyInfoSignature");
  bad = info;
  bad["TpmInfo"]["EncKeyCertifyInfoSignature"] = bad["TpmInfo"]["PcrSignature"];
  expect_400(bad, "EncKeyCertifyInfo/EncKeyCertifyInfoSignature");
  bad = info;  // the quote presented as the certify attestation (signature valid, wrong type)
  bad["TpmInfo"]["EncKeyCertifyInfo"] = bad["TpmInfo"]["PcrQuote"];
  bad["TpmInfo"]["EncKeyCertifyInfoSignature"] = bad["TpmInfo"]["PcrSignature"];
  expect_400(bad, "EncKeyCertifyInfo/EncKeyCertifyInfoSignature");
  bad = info;  // AIK cert for another key
  bad["TpmInfo"]["AikCert"] = encoding::Base64Encode(g.root->ToDer());
  expect_400(bad, "AikPub is not the key certified by AikCert");
  bad = info;
  bad["TpmInfo"].erase("AikCert");
  expect_400(bad, "TpmInfo.AikCert is missing");
  bad = info;
  bad["IsolationInfo"] = {{"Type", "Sgx"}, {"Evidence", {{"Proof", ""}, {"RunTimeData", ""}}}};
  expect_400(bad, "not supported");
  ServiceResponse r = svc->Handle("POST", kGuestAttest, R"({"AttestationInfo": "%%%"})");
  EXPECT_EQ(r.status, 400);
  // No AIK root configured, and a clock outside the AIK certificate's validity.
  auto no_root = AttestationService::Create(BaseOptions());
  ASSERT_TRUE(no_root.ok());
  r = (*no_root)->Handle("POST", kGuestAttest, GuestBody(info));
  EXPECT_NE(r.body.find("no vTPM AIK root"), std::string::npos) << r.body;
  svc->SetNow(1900000000);  // 2030-03
  expect_400(info, "AIK certificate");
}

TEST(AzureGuest, IsolationEvidenceMustNameTheAik) {
  // Real Azure SNP evidence (verifies on its own) whose HCLAkPub is not this vTPM's AIK.
  auto hcl_path = testing::SharedFile("evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  auto pem_path = testing::SharedFile("evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  if (!hcl_path || !pem_path) GTEST_SKIP() << "trustee samples missing";
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(*hcl_path));
  ASSERT_TRUE(hcl.ok());
  json proof = {
      {"SnpReport", encoding::Base64UrlEncode(hcl->HardwareReport())},
      {"VcekCertChain", encoding::Base64Encode(AsBytes(testing::ReadTextOrDie(*pem_path)))}};
  json iso = {{"Type", "SevSnp"},
              {"Evidence",
               {{"Proof", encoding::Base64Encode(AsBytes(proof.dump()))},
                {"RunTimeData", encoding::Base64Encode(hcl->runtime_claims)}}}};
  auto svc = GuestService();
  ServiceResponse r = svc->Handle("POST", kGuestAttest, GuestBody(GuestInfo(TestGuest(), iso)));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("HCLAkPub in the isolation runtime data is not the AIK"), std::string::npos)
      << r.body;
  // With the runtime data altered, the binding to REPORT_DATA fails first.
  Bytes rt = hcl->runtime_claims;
  rt[rt.size() - 3] ^= 1;
  iso["Evidence"]["RunTimeData"] = encoding::Base64Encode(rt);
  r = svc->Handle("POST", kGuestAttest, GuestBody(GuestInfo(TestGuest(), iso)));
  EXPECT_EQ(r.status, 400);
}

// A test AMD PKI (ARK-Milan -> SEV-Milan -> VCEK with AMD extensions) and an SNP report bound to
// HCL runtime claims naming the test AIK: the whole isolation path with a positive outcome.
struct TestAmd {
  std::optional<x509::Certificate> ark, ask, vcek;
  std::optional<crypto::PrivateKey> vcek_key;
};

const TestAmd& TestAmdPki() {
  static const TestAmd amd = [] {
    TestAmd a;
    crypto::PrivateKey ark_key = Derive("ark");
    crypto::PrivateKey ask_key = Derive("ask");
    crypto::Drbg d(AsBytes("azure-guest-test"), "vcek");
    a.vcek_key = *crypto::DeriveEcKey(d, crypto::Curve::kP384);
    auto spec = [](const std::string& subject, const std::string& issuer,
                   const crypto::PublicKey& key, bool ca) {
      x509::CertificateSpec s;
      s.serial = {0x02, static_cast<uint8_t>(subject.size())};
      s.subject = {{"CN", subject}};
      s.issuer = {{"CN", issuer}};
      s.not_before = 1577836800;
      s.not_after = 1893456000;
      s.subject_key = key;
      if (ca) s.basic_constraints_ca = true;
      s.key_usage = ca ? x509::kKeyUsageKeyCertSign : x509::kKeyUsageDigitalSignature;
      return s;
    };
    a.ark = *x509::SignCertificate(spec("ARK-Milan", "ARK-Milan", ark_key.public_key(), true),
                                   ark_key, x509::SignatureAlgorithm::kRsaPssSha384);
    a.ask = *x509::SignCertificate(spec("SEV-Milan", "ARK-Milan", ask_key.public_key(), true),
                                   ark_key, x509::SignatureAlgorithm::kRsaPssSha384);
    x509::CertificateSpec v = spec("SEV-VCEK", "SEV-Milan", a.vcek_key->public_key(), false);
    v.extensions = {{std::string(snp::kOidStructVersion), false, snp::EncodeDerInteger(0)},
                    {std::string(snp::kOidProductName), false, snp::EncodeDerIa5String("Milan-B0")},
                    {std::string(snp::kOidBlSpl), false, snp::EncodeDerInteger(3)},
                    {std::string(snp::kOidTeeSpl), false, snp::EncodeDerInteger(0)},
                    {std::string(snp::kOidSnpSpl), false, snp::EncodeDerInteger(8)},
                    {std::string(snp::kOidUcodeSpl), false, snp::EncodeDerInteger(115)},
                    {std::string(snp::kOidHwId), false, Bytes(64, 0xC1)}};
    a.vcek = *x509::SignCertificate(v, ask_key, x509::SignatureAlgorithm::kRsaPssSha384);
    return a;
  }();
  return amd;
}

Bytes SignedSnpReport(ByteView runtime_claims) {
  const TestAmd& a = TestAmdPki();
  snp::SnpReport r;
  r.version = 2;
  r.guest_svn = 10;
  r.policy = 0x3001F;
  r.family_id[0] = 0x02;
  r.image_id[0] = 0x02;
  Bytes h = crypto::Sha256(runtime_claims);
  std::copy(h.begin(), h.end(), r.report_data.begin());
  r.measurement.fill(0x6A);
  r.reported_tcb = snp::TcbVersion::FromParts(snp::Product::kMilan, {0, 3, 0, 8, 115});
  r.current_tcb = r.committed_tcb = r.launch_tcb = r.reported_tcb;
  r.chip_id.fill(0xC1);
  Bytes unsigned_report = snp::SerializeSnpReport(r);
  Bytes rs = *crypto::SignEcdsaP1363(*a.vcek_key, crypto::HashAlg::kSha384,
                                     ByteView(unsigned_report).subspan(0, snp::kSignedSize));
  // r and s little-endian, zero-extended to 72 bytes (evidence-formats.md 1.5).
  for (size_t i = 0; i < 48; ++i) {
    r.signature_r[i] = rs[47 - i];
    r.signature_s[i] = rs[95 - i];
  }
  return snp::SerializeSnpReport(r);
}

TEST(AzureGuest, SevSnpCvmTokenHasTheRealTokenShape) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/midnight-trusted-setup/attestation.txt");
  std::string real_jwt = testing::ReadTextOrDie(path);
  while (!real_jwt.empty() && std::isspace(static_cast<unsigned char>(real_jwt.back()))) {
    real_jwt.pop_back();
  }
  json real = Payload(real_jwt);
  const Guest& g = TestGuest();
  const TestAmd& amd = TestAmdPki();
  json ak = jose::Jwk::FromPublicKey(g.ak->public_key()).json();
  ak["kid"] = "HCLAkPub";
  ak["key_ops"] = json::array({"sign"});
  json runtime = {{"keys", json::array({ak})},
                  {"user-data", std::string(128, '0')},
                  {"vm-configuration",
                   {{"console-enabled", true},
                    {"secure-boot", true},
                    {"tpm-enabled", true},
                    {"vmUniqueId", "ABD9EA99-D837-4F68-AD3E-C87C88006AFA"}}}};
  std::string runtime_text = runtime.dump();
  Bytes report = SignedSnpReport(AsBytes(runtime_text));
  std::vector<x509::Certificate> chain = {*amd.vcek, *amd.ask, *amd.ark};
  json proof = {{"SnpReport", encoding::Base64UrlEncode(report)},
                {"VcekCertChain", encoding::Base64Encode(AsBytes(x509::CertificatesToPem(chain)))}};
  json iso = {{"Type", "SevSnp"},
              {"Evidence",
               {{"Proof", encoding::Base64Encode(AsBytes(proof.dump()))},
                {"RunTimeData", encoding::Base64Encode(AsBytes(runtime_text))}}}};
  ServiceOptions o = BaseOptions();
  o.aik_roots = {*g.root};
  o.amd_roots = {*amd.ark};
  auto svc = AttestationService::Create(o);
  ASSERT_TRUE(svc.ok());
  ServiceResponse r = (*svc)->Handle("POST", kGuestAttest, GuestBody(GuestInfo(g, iso)));
  ASSERT_EQ(r.status, 200) << r.body;
  auto jwt = UnsealToken(json::parse(r.body)["token"].get<std::string>(), *g.enc);
  ASSERT_TRUE(jwt.ok()) << jwt.error().ToString();
  json ours = Payload(*jwt);

  // Same claim names and JSON types as the real 2025 token, top level and inside
  // x-ms-isolation-tee; the runtime objects hold the same members.
  for (auto it = real.begin(); it != real.end(); ++it) {
    ASSERT_TRUE(ours.contains(it.key())) << it.key();
    EXPECT_EQ(std::string(ours[it.key()].type_name()), it.value().type_name()) << it.key();
  }
  for (auto it = ours.begin(); it != ours.end(); ++it)
    EXPECT_TRUE(real.contains(it.key())) << it.key();
  const json& rt = real["x-ms-isolation-tee"];
  const json& ot = ours["x-ms-isolation-tee"];
  for (auto it = rt.begin(); it != rt.end(); ++it) {
    ASSERT_TRUE(ot.contains(it.key())) << it.key();
    EXPECT_EQ(std::string(ot[it.key()].type_name()), it.value().type_name()) << it.key();
  }
  EXPECT_EQ(ot.size(), rt.size());
  EXPECT_EQ(ot["x-ms-runtime"], runtime);
  EXPECT_EQ(ot["x-ms-sevsnpvm-microcode-svn"], 115);
  EXPECT_EQ(ot["x-ms-sevsnpvm-bootloader-svn"], 3);
  EXPECT_EQ(ot["x-ms-sevsnpvm-snpfw-svn"], 8);
  EXPECT_EQ(ot["x-ms-sevsnpvm-guestsvn"], 10);
  EXPECT_EQ(ot["x-ms-sevsnpvm-smt-allowed"], true);
  EXPECT_EQ(ours["x-ms-azurevm-vmid"], "ABD9EA99-D837-4F68-AD3E-C87C88006AFA");
  EXPECT_EQ(ours["x-ms-runtime"]["client-payload"]["nonce"], "MTIzNA==");
  EXPECT_EQ(ours["x-ms-runtime"]["keys"][0]["kid"], "TpmEphemeralEncryptionKey");
  EXPECT_EQ(ours["x-ms-runtime"]["keys"][0].size(), real["x-ms-runtime"]["keys"][0].size());

  // The same evidence with one flipped report byte, or a foreign ARK, fails.
  Bytes bad = report;
  bad[0x90] ^= 1;
  json bad_proof = proof;
  bad_proof["SnpReport"] = encoding::Base64UrlEncode(bad);
  json bad_iso = iso;
  bad_iso["Evidence"]["Proof"] = encoding::Base64Encode(AsBytes(bad_proof.dump()));
  EXPECT_EQ((*svc)->Handle("POST", kGuestAttest, GuestBody(GuestInfo(g, bad_iso))).status, 400);
  ServiceOptions real_roots = BaseOptions();
  real_roots.aik_roots = {*g.root};
  auto other = AttestationService::Create(real_roots);
  ASSERT_TRUE(other.ok());
  ServiceResponse rr = (*other)->Handle("POST", kGuestAttest, GuestBody(GuestInfo(g, iso)));
  EXPECT_EQ(rr.status, 400);
  EXPECT_NE(rr.body.find("not one of the"), std::string::npos) << rr.body;
}

// ------------------------------------------------------------------------------------------
// HTTPS server

TEST(MaaServer, HttpsEndToEnd) {
  MaaServerOptions o;
  o.service = BaseOptions();
  auto server = MaaServer::Start(o);
  ASSERT_TRUE(server.ok()) << server.error().ToString();
  std::string url = (*server)->url();
  EXPECT_EQ(url.rfind("https://127.0.0.1:", 0), 0u) << url;
  auto client = http::Client::Create(url, (*server)->ca_cert_pem());
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  auto oidc = client->Get("/.well-known/openid-configuration");
  ASSERT_TRUE(oidc.ok()) << oidc.error().ToString();
  ASSERT_EQ(oidc->status, 200);
  EXPECT_EQ(json::parse(oidc->body)["issuer"], url);
  EXPECT_EQ(json::parse(oidc->body)["jwks_uri"], url + "/certs");
  auto bad = client->Post("/attest/SevSnpVm?api-version=1999-01-01", {}, "{}");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["code"], "InvalidApiVersionParameter");
  auto garbage = client->Post("/attest/SevSnpVm?api-version=2022-08-01", {}, "\x01\x02{");
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(garbage->status, 400);
  auto big = client->Post("/attest/SevSnpVm?api-version=2022-08-01", {},
                          std::string(o.service.max_body_bytes + 10, 'a'));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 413);
  // Still serving, and the TDX sample attests over HTTPS with jku naming this server.
  auto s = LoadTdx();
  if (!s) return;
  auto r = client->Post(kTdxAttest, {}, TdxRequest(*s, s->runtime).dump());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200) << r->body;
  std::string jwt = json::parse(r->body)["token"];
  auto h = encoding::Base64UrlDecode(jwt.substr(0, jwt.find('.')));
  EXPECT_EQ(json::parse(h->begin(), h->end())["jku"], url + "/certs");
  EXPECT_EQ(Payload(jwt)["iss"], url);
  (*server)->Stop();
}

}  // namespace
}  // namespace skr::mock_maa
