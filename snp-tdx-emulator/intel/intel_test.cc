#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/tdx/validate.h"
#include "libskr/tdx/verify.h"
#include "libskr/testing/shared_samples.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"
#include "snp-tdx-emulator/intel/tdx_platform.h"

namespace skr::emulator::intel {
namespace {

constexpr std::time_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::time_t k2034 = 2019686400;  // 2034-01-01: the PCK CA has expired
constexpr char kQuotePath[] = "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin";
constexpr char kIntelRootPath[] = "evidence-samples/go-tdx-guest/trusted_root.pem";

Bytes Seed(const char* s) { return ToBytes(AsBytes(s)); }

Bytes ReportData(uint8_t fill) { return Bytes(64, fill); }

tdx::VerifyOptions OptionsFor(const IntelPki& pki, std::time_t at = k2025) {
  tdx::VerifyOptions o;
  o.trusted_roots = {pki.root};
  o.time = at;
  return o;
}

EmulatedTdxPlatform MakePlatform(const char* seed, TdxPlatformOptions options = {}) {
  auto p = EmulatedTdxPlatform::Create(Seed(seed), std::move(options));
  EXPECT_TRUE(p.ok()) << p.error().ToString();
  return std::move(p).value();
}

TEST(EmulatedTdx, GeneratedQuoteVerifiesAgainstTheEmulatedRoot) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  auto quote = p.ReportAndQuote(ReportData(0x5A));
  ASSERT_TRUE(quote.ok()) << quote.error().ToString();
  auto v = tdx::VerifyQuote(*quote, OptionsFor(p.pki()));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(v->quote.header.version, 4);
  EXPECT_EQ(ToBytes(v->quote.body.report_data), ReportData(0x5A));
  EXPECT_EQ(v->quote.body.mr_td, TdConfigForSeed(Seed("seed-1")).mr_td);
  EXPECT_EQ(v->quote.trailing, Bytes(70, 0)) << "Azure's 70 trailing zero bytes";
  EXPECT_EQ(encoding::HexEncode(v->pck.fmspc), "00806f050000");
  tdx::PckExtensions want = AzurePckExtensions(Seed("seed-1"));
  EXPECT_EQ(v->pck.ppid, want.ppid);
  EXPECT_EQ(v->pck.tcb.pce_svn, 11);
  EXPECT_EQ(v->quote.signature_data.qe_cert_data.qe_report.isv_svn, 5);
  EXPECT_TRUE(tdx::ValidateQuote(v->quote, tdx::ValidationPolicy{}, &v->pck).ok());
  // The quote is what the QE returns for the module's TDREPORT: bodies match.
  auto report = p.module().Report(ReportData(0x5A));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(tdx::VerifyTdReportMatchesQuoteBody(*report, v->quote.body).ok());
  EXPECT_TRUE(tdx::VerifyTdReportHashes(*report).ok());
}

TEST(EmulatedTdx, RootsAreNotInterchangeable) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  EmulatedTdxPlatform other = MakePlatform("seed-2");
  Bytes quote = *p.ReportAndQuote(ReportData(1));
  auto v = tdx::VerifyQuote(quote, OptionsFor(other.pki()));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("pinned"), std::string::npos) << v.error().message();
  // Time outside the PCK CA's validity.
  EXPECT_FALSE(tdx::VerifyQuote(quote, OptionsFor(p.pki(), k2034)).ok());

  SKR_SHARED_FILE_OR_SKIP(intel_root, kIntelRootPath);
  tdx::VerifyOptions real;
  real.trusted_roots = *x509::CertificatesFromPem(testing::ReadTextOrDie(intel_root));
  real.time = k2025;
  EXPECT_FALSE(tdx::VerifyQuote(quote, real).ok()) << "emulated evidence must not pass as Intel's";
  SKR_SHARED_FILE_OR_SKIP(azure_quote, kQuotePath);
  EXPECT_FALSE(tdx::VerifyQuote(testing::ReadBytesOrDie(azure_quote), OptionsFor(p.pki())).ok());
  EXPECT_TRUE(tdx::VerifyQuote(testing::ReadBytesOrDie(azure_quote), real).ok());
}

TEST(EmulatedTdx, TamperedQuoteFailsVerification) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  Bytes quote = *p.ReportAndQuote(ReportData(2));
  for (size_t offset :
       {size_t{0x0C}, size_t{0xB8}, size_t{0x238}, size_t{0x27C + 1}, size_t{0x27C + 70},
        size_t{0x27C + 140}, size_t{0x27C + 520}, size_t{0x27C + 590}}) {
    Bytes bad = quote;
    bad[offset] ^= 0x80;
    auto v = tdx::VerifyQuote(bad, OptionsFor(p.pki()));
    ASSERT_FALSE(v.ok()) << "flip at " << offset;
    EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed) << v.error().ToString();
  }
}

TEST(EmulatedTdx, DebugTdVerifiesButFailsValidation) {
  TdxPlatformOptions o;
  o.td = TdConfigForSeed(Seed("seed-1"));
  o.td->td_attributes = tdx::kTdAttributeDebug;
  EmulatedTdxPlatform p = MakePlatform("seed-1", o);
  auto v = tdx::VerifyQuote(*p.ReportAndQuote(ReportData(3)), OptionsFor(p.pki()));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  auto r = tdx::ValidateQuote(v->quote, tdx::ValidationPolicy{}, &v->pck);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(r.error().message().find("DEBUG"), std::string::npos) << r.error().message();
}

TEST(EmulatedTdx, SameSeedIsByteIdenticalDifferentSeedDiffers) {
  EmulatedTdxPlatform a = MakePlatform("seed-1");
  EmulatedTdxPlatform b = MakePlatform("seed-1");
  EmulatedTdxPlatform c = MakePlatform("seed-2");
  EXPECT_EQ(a.pki().ChainPem(), b.pki().ChainPem());
  EXPECT_EQ(*a.module().ReportBytes(ReportData(4)), *b.module().ReportBytes(ReportData(4)));
  EXPECT_EQ(*a.ReportAndQuote(ReportData(4)), *b.ReportAndQuote(ReportData(4)));

  EXPECT_NE(a.pki().root.ToDer(), c.pki().root.ToDer());
  EXPECT_NE(a.pki().ca.ToDer(), c.pki().ca.ToDer());
  EXPECT_NE(a.pki().pck.ToDer(), c.pki().pck.ToDer());
  EXPECT_NE(*a.module().ReportBytes(ReportData(4)), *c.module().ReportBytes(ReportData(4)));
  EXPECT_NE(*a.ReportAndQuote(ReportData(4)), *c.ReportAndQuote(ReportData(4)));
  // Different report data, different quote signature.
  EXPECT_NE(*a.ReportAndQuote(ReportData(4)), *a.ReportAndQuote(ReportData(5)));
}

// Runs `openssl verify -attime` on the emulated chain; returns (exit status, output).
std::pair<int, std::string> OpensslVerify(const IntelPki& pki, const x509::Certificate& root,
                                          std::time_t at) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "skr-intel-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) return {-1, "mkdtemp failed"};
  std::filesystem::path d(tmpl);
  std::ofstream(d / "root.pem") << root.ToPem();
  std::ofstream(d / "ca.pem") << pki.ca.ToPem();
  std::ofstream(d / "pck.pem") << pki.pck.ToPem();
  std::string cmd = "openssl verify -x509_strict -attime " + std::to_string(at) + " -CAfile " +
                    (d / "root.pem").string() + " -untrusted " + (d / "ca.pem").string() + " " +
                    (d / "pck.pem").string() + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  char buf[512];
  while (fgets(buf, sizeof(buf), p)) out += buf;
  int status = pclose(p);
  std::filesystem::remove_all(d);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(EmulatedTdx, OpensslVerifiesThePckChain) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  auto [rc, out] = OpensslVerify(p.pki(), p.pki().root, k2025);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("pck.pem: OK"), std::string::npos) << out;
  auto [rc_late, out_late] = OpensslVerify(p.pki(), p.pki().root, k2034);
  EXPECT_NE(rc_late, 0) << out_late;
  EmulatedTdxPlatform other = MakePlatform("seed-2");
  auto [rc_wrong, out_wrong] = OpensslVerify(p.pki(), other.pki().root, k2025);
  EXPECT_NE(rc_wrong, 0) << out_wrong;
}

struct ExtInfo {
  std::string oid;
  bool critical;
  Bytes value;
};

std::vector<ExtInfo> Extensions(const x509::Certificate& c) {
  std::vector<ExtInfo> out;
  for (int i = 0; i < X509_get_ext_count(c.x509()); ++i) {
    X509_EXTENSION* e = X509_get_ext(c.x509(), i);
    char oid[80];
    OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(e), 1);
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(e);
    out.push_back({oid, X509_EXTENSION_get_critical(e) == 1, Bytes(v->data, v->data + v->length)});
  }
  return out;
}

// The emulated certificates have the real ones' names, validity, extension order, criticality
// and (for everything but key identifiers, CRL URLs' keys and the per-platform PPID) values.
TEST(EmulatedTdx, ChainHasTheRealIntelProfile) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  auto real_quote = tdx::ParseTdQuote(testing::ReadBytesOrDie(path));
  ASSERT_TRUE(real_quote.ok());
  auto real = tdx::ParsePckChain(real_quote->signature_data.qe_cert_data.pck_chain_pem);
  ASSERT_TRUE(real.ok());
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  auto emu = tdx::ParsePckChain(ToBytes(AsBytes(p.pki().ChainPem())));
  ASSERT_TRUE(emu.ok()) << emu.error().ToString();

  const std::pair<const x509::Certificate*, const x509::Certificate*> pairs[] = {
      {&real->leaf, &emu->leaf},
      {&real->intermediate, &emu->intermediate},
      {&real->root, &emu->root}};
  for (const auto& [r, e] : pairs) {
    EXPECT_EQ(r->subject(), e->subject());
    EXPECT_EQ(r->issuer(), e->issuer());
    EXPECT_EQ(X509_get_version(r->x509()), X509_get_version(e->x509()));
    EXPECT_EQ(r->serial().size(), 20u);
    EXPECT_EQ(r->public_key().bits(), e->public_key().bits());
    std::vector<ExtInfo> re = Extensions(*r), ee = Extensions(*e);
    ASSERT_EQ(re.size(), ee.size()) << r->subject();
    for (size_t i = 0; i < re.size(); ++i) {
      EXPECT_EQ(re[i].oid, ee[i].oid) << r->subject() << " extension " << i;
      EXPECT_EQ(re[i].critical, ee[i].critical) << re[i].oid;
      // keyUsage, basicConstraints and the CRL distribution point are byte-identical.
      if (re[i].oid == "2.5.29.15" || re[i].oid == "2.5.29.19" || re[i].oid == "2.5.29.31") {
        EXPECT_EQ(re[i].value, ee[i].value) << r->subject() << " " << re[i].oid;
      }
      if (re[i].oid == "2.5.29.14") {
        EXPECT_EQ(ee[i].value.size(), re[i].value.size());
      }
    }
  }
  EXPECT_EQ(emu->root.not_before(), real->root.not_before());
  EXPECT_EQ(emu->root.not_after(), real->root.not_after());
  EXPECT_EQ(emu->intermediate.not_before(), real->intermediate.not_before());
  EXPECT_EQ(emu->intermediate.not_after(), real->intermediate.not_after());
  EXPECT_EQ(emu->leaf.not_before(), real->leaf.not_before());
  EXPECT_EQ(emu->leaf.not_after(), real->leaf.not_after());
  // CA serial = its key identifier, as Intel's.
  for (const x509::Certificate* ca : {&emu->root, &emu->intermediate}) {
    Bytes ski = *ca->ExtensionValue("2.5.29.14");  // 04 14 <20-byte key id>
    EXPECT_EQ(ca->serial(), Bytes(ski.begin() + 2, ski.end()));
  }

  // The SGX extension has the real one's structure; with the real PPID and instance id it is
  // byte-identical.
  auto real_ext = tdx::ParsePckExtensions(real->leaf);
  ASSERT_TRUE(real_ext.ok());
  TdxPlatformOptions o;
  o.pki.pck_extensions = *real_ext;
  EmulatedTdxPlatform same = MakePlatform("seed-1", o);
  EXPECT_EQ(*same.pki().pck.ExtensionValue(tdx::kSgxExtensionOid),
            *real->leaf.ExtensionValue(tdx::kSgxExtensionOid));
  auto emu_ext = tdx::ParsePckExtensions(emu->leaf);
  ASSERT_TRUE(emu_ext.ok());
  EXPECT_EQ(emu_ext->tcb.sgx_tcb_comp_svn, real_ext->tcb.sgx_tcb_comp_svn);
  EXPECT_EQ(emu_ext->fmspc, real_ext->fmspc);
  EXPECT_NE(emu_ext->ppid, real_ext->ppid);
}

TEST(EmulatedTdx, ProcessorCaVariant) {
  TdxPlatformOptions o;
  o.pki.processor_ca = true;
  o.pki.pck_extensions = AzurePckExtensions(Seed("seed-1"));
  o.pki.pck_extensions->platform_instance_id.reset();
  o.pki.pck_extensions->configuration.reset();
  EmulatedTdxPlatform p = MakePlatform("seed-1", o);
  EXPECT_EQ(p.pki().ca.subject_cn(), "Intel SGX PCK Processor CA");
  auto v = tdx::VerifyQuote(*p.ReportAndQuote(ReportData(6)), OptionsFor(p.pki()));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_FALSE(v->pck.configuration.has_value());
}

// v5 framing (evidence-formats.md 3.3) with a TDX 1.5 body: signed over header, type, size and
// body; TEE_TCB_SVN2 and MRSERVICETD carried and compared.
TEST(EmulatedTdx, V5QuotesVerify) {
  for (uint16_t body_type : {tdx::kBodyTypeTdx10, tdx::kBodyTypeTdx15}) {
    TdxPlatformOptions o;
    o.td = TdConfigForSeed(Seed("seed-1"));
    o.td->servtd_hash.fill(0x3C);
    o.qe.quote_version = 5;
    o.qe.body_type = body_type;
    EmulatedTdxPlatform p = MakePlatform("seed-1", o);
    Bytes quote = *p.ReportAndQuote(ReportData(9));
    size_t body_size =
        body_type == tdx::kBodyTypeTdx15 ? tdx::kTdQuoteBody15Size : tdx::kTdQuoteBody10Size;
    EXPECT_EQ(quote[0], 5);
    EXPECT_EQ(quote[0x30], body_type);
    auto v = tdx::VerifyQuote(quote, OptionsFor(p.pki()));
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    EXPECT_EQ(v->quote.body_type, body_type);
    EXPECT_EQ(v->quote.body.mr_servicetd[0], body_type == tdx::kBodyTypeTdx15 ? 0x3C : 0);
    EXPECT_EQ(*tdx::SerializeTdQuote(v->quote), quote);
    auto report = p.module().Report(ReportData(9));
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(tdx::VerifyTdReportMatchesQuoteBody(*report, v->quote.body, body_type).ok());
    if (body_type == tdx::kBodyTypeTdx15) {
      tdx::TdQuoteBody other = v->quote.body;
      other.mr_servicetd[1] ^= 1;
      auto r = tdx::VerifyTdReportMatchesQuoteBody(*report, other, body_type);
      ASSERT_FALSE(r.ok());
      EXPECT_NE(r.error().message().find("MRSERVICETD"), std::string::npos);
    }
    // Flips in the body type/size framing, the last body byte and the signature all fail.
    for (size_t offset : {size_t{0x31}, size_t{0x33}, size_t{0x36 + body_size - 1},
                          size_t{0x36 + body_size + 4 + 10}}) {
      Bytes bad = quote;
      bad[offset] ^= 0x01;
      EXPECT_FALSE(tdx::VerifyQuote(bad, OptionsFor(p.pki())).ok()) << offset;
    }
  }
  TdxPlatformOptions bad;
  bad.qe.quote_version = 3;
  EXPECT_FALSE(EmulatedTdxPlatform::Create(Seed("x"), bad).ok());
  bad.qe.quote_version = 5;
  bad.qe.body_type = 1;  // SGX body
  EXPECT_FALSE(EmulatedTdxPlatform::Create(Seed("x"), bad).ok());
}

TEST(EmulatedTdx, QeRefusesTdReportsNotFromItsTdxModule) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  EmulatedTdxPlatform other = MakePlatform("seed-2");
  Bytes report = *p.module().ReportBytes(ReportData(7));
  EXPECT_TRUE(p.QuoteTdReport(report).ok());
  // REPORTDATA changed after the MAC: a TD cannot forge what it reports.
  Bytes forged = report;
  forged[tdx::kTdReportDataOffset] ^= 1;
  auto q = p.QuoteTdReport(forged);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(q.error().message().find("MAC"), std::string::npos) << q.error().message();
  // Another platform's TDREPORT.
  EXPECT_FALSE(p.QuoteTdReport(*other.module().ReportBytes(ReportData(7))).ok());
  // TDINFO changed (MAC recomputed by nobody): the hash no longer matches.
  Bytes changed = report;
  changed[tdx::kTdInfoOffset + 0x10] ^= 1;
  EXPECT_FALSE(p.QuoteTdReport(changed).ok());
  // Not a TDREPORT at all.
  EXPECT_FALSE(p.QuoteTdReport(Bytes(1000, 0)).ok());
  EXPECT_FALSE(p.module().ReportBytes(Bytes(63, 0)).ok());
}

TEST(EmulatedTdx, RtmrExtendShowsInTheQuote) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  Bytes digest(48, 0x11);
  ASSERT_TRUE(p.module().ExtendRtmr(2, digest).ok());
  auto v = tdx::VerifyQuote(*p.ReportAndQuote(ReportData(8)), OptionsFor(p.pki()));
  ASSERT_TRUE(v.ok());
  Bytes extend_input(96, 0);  // zero RTMR || digest
  std::copy(digest.begin(), digest.end(), extend_input.begin() + 48);
  Bytes want = crypto::Sha384(extend_input);
  EXPECT_EQ(ToBytes(v->quote.body.rtmr[2]), want);
  EXPECT_TRUE(IsAllZero(v->quote.body.rtmr[0]));
  tdx::ValidationPolicy policy;
  policy.rtmr[2] = tdx::Measurement{};
  EXPECT_FALSE(tdx::ValidateQuote(v->quote, policy).ok());
  EXPECT_FALSE(p.module().ExtendRtmr(4, digest).ok());
  EXPECT_FALSE(p.module().ExtendRtmr(0, Bytes(32, 0)).ok());
}

// The whole Azure TDX flow: the HCL generator asks the TDX module for a TDREPORT binding the
// runtime claims, the guest POSTs that TDREPORT to /acc/tdquote, the verifier checks the quote to
// the emulated root, then the HCL report against the quote.
TEST(EmulatedTdx, TdxHclReportAndItsQuoteVerifyEndToEnd) {
  EmulatedTdxPlatform p = MakePlatform("seed-1");
  HclGeneratorOptions o;
  o.report_type = hcl::ReportType::kTdx;
  o.ak_modulus = Bytes(256, 0xA1);
  o.ek_modulus = Bytes(256, 0xE1);
  o.vm.vm_unique_id = "00000000-0000-0000-0000-000000000001";
  o.vm.root_cert_thumbprint = "emulated";
  o.signer = p.TdReportSigner();
  Bytes user_data(64, 0x42);
  auto nv = GenerateHclReport(o, user_data);
  ASSERT_TRUE(nv.ok()) << nv.error().ToString();
  auto hcl_report = hcl::ParseHclReport(*nv);
  ASSERT_TRUE(hcl_report.ok()) << hcl_report.error().ToString();
  EXPECT_EQ(hcl_report->report_type, hcl::ReportType::kTdx);

  // Guest side: IMDS request body; host side: the response.
  std::string request = TdQuoteRequestJson(hcl_report->HardwareReport());
  auto td_report = ParseTdQuoteRequestJson(request);
  ASSERT_TRUE(td_report.ok()) << td_report.error().ToString();
  auto quote = p.QuoteTdReport(*td_report);
  ASSERT_TRUE(quote.ok()) << quote.error().ToString();
  auto received = ParseTdQuoteResponseJson(TdQuoteResponseJson(*quote));
  ASSERT_TRUE(received.ok());
  EXPECT_EQ(*received, *quote);

  auto v = tdx::VerifyQuote(*received, OptionsFor(p.pki()));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  auto td = tdx::VerifyHclReportAgainstQuote(*hcl_report, v->quote);
  ASSERT_TRUE(td.ok()) << td.error().ToString();
  auto claims = hcl::RuntimeClaims::Parse(hcl_report->runtime_claims);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(**claims->UserData(), user_data);

  // Claims changed after the fact: binding fails.
  hcl::HclReport bad = *hcl_report;
  bad.runtime_claims.back() = ' ';
  EXPECT_FALSE(tdx::VerifyHclReportAgainstQuote(bad, v->quote).ok());
  // A quote of a different TDREPORT (other user data) does not bind this HCL report.
  Bytes other_nv = *GenerateHclReport(o, Bytes(64, 0x43));
  auto other_hcl = hcl::ParseHclReport(other_nv);
  ASSERT_TRUE(other_hcl.ok());
  auto other_v =
      tdx::VerifyQuote(*p.QuoteTdReport(other_hcl->HardwareReport()), OptionsFor(p.pki()));
  ASSERT_TRUE(other_v.ok());
  auto mismatch = tdx::VerifyHclReportAgainstQuote(*hcl_report, other_v->quote);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("REPORTDATA"), std::string::npos)
      << mismatch.error().message();
}

TEST(ImdsTdQuoteJson, RejectsMalformedBodies) {
  EXPECT_EQ(ParseTdQuoteRequestJson("not json").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParseTdQuoteRequestJson("[]").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParseTdQuoteRequestJson(R"({"report":1})").error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(ParseTdQuoteRequestJson(R"({"quote":"AAAA"})").error().code(), ErrorCode::kMalformed);
  EXPECT_FALSE(ParseTdQuoteRequestJson(R"({"report":"!!"})").ok());
  auto short_report = ParseTdQuoteRequestJson(TdQuoteRequestJson(Bytes(1023, 0)));
  ASSERT_FALSE(short_report.ok());
  EXPECT_NE(short_report.error().message().find("1024"), std::string::npos);
  EXPECT_EQ(TdQuoteRequestJson(Bytes{0xfb, 0xff}), R"({"report":"-_8"})") << "base64url, no pad";
  EXPECT_FALSE(ParseTdQuoteResponseJson(R"({"report":"AAAA"})").ok());
}

}  // namespace
}  // namespace skr::emulator::intel
