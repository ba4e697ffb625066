#include "libskr/tdx/verify.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/testing/shared_samples.h"

namespace skr::tdx {
namespace {

constexpr char kQuotePath[] = "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin";
constexpr char kHclPath[] = "evidence-samples/trustee/az-tdx-vtpm/hcl-report.bin";
constexpr char kOtherHclPath[] = "evidence-samples/azure-cvm-tooling/hcl-report-tdx.bin";
constexpr char kRootPath[] = "evidence-samples/go-tdx-guest/trusted_root.pem";
constexpr char kAmdRootsPath[] = "evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem";

constexpr std::time_t k2024 = 1717200000;  // 2024-06-01: inside the PCK leaf's 2023-2030 validity
constexpr std::time_t k2031 = 1924992000;  // 2031-01-01: after the leaf expired
constexpr size_t kSig = 0x27C;             // start of the signature data

class AzureQuote : public ::testing::Test {
 protected:
  void SetUp() override {
    auto quote = testing::SharedFile(kQuotePath);
    auto root = testing::SharedFile(kRootPath);
    if (!quote) GTEST_SKIP() << testing::MissingSharedFileMessage(kQuotePath);
    if (!root) GTEST_SKIP() << testing::MissingSharedFileMessage(kRootPath);
    raw_ = testing::ReadBytesOrDie(*quote);
    auto roots = x509::CertificatesFromPem(testing::ReadTextOrDie(*root));
    ASSERT_TRUE(roots.ok());
    options_.trusted_roots = *roots;
    options_.time = k2024;
  }
  Bytes raw_;
  VerifyOptions options_;
};

TEST_F(AzureQuote, VerifiesToTheIntelSgxRootCa) {
  EXPECT_EQ(encoding::HexEncode(options_.trusted_roots[0].Fingerprint(crypto::HashAlg::kSha256)),
            "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
  auto v = VerifyQuote(raw_, options_);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(v->chain.leaf.subject_cn(), "Intel SGX PCK Certificate");
  EXPECT_EQ(v->chain.intermediate.subject_cn(), "Intel SGX PCK Platform CA");
  EXPECT_EQ(encoding::HexEncode(v->pck.fmspc), "00806f050000");
  EXPECT_EQ(v->pck.sgx_type, SgxType::kScalable);
  EXPECT_EQ(v->pck.tcb.pce_svn, 11);
  EXPECT_EQ(encoding::HexEncode(v->pck.tcb.sgx_tcb_comp_svn), "06060202030100030000000000000000");
  EXPECT_EQ(encoding::HexEncode(v->pck.tcb.cpu_svn), "06060202030100030000000000000000");
  EXPECT_EQ(encoding::HexEncode(v->pck.pce_id), "0000");
  EXPECT_EQ(encoding::HexEncode(v->pck.ppid), "a1b0718ffa8e6d55fdaf5eceb03f3c72");
  ASSERT_TRUE(v->pck.configuration.has_value());
  EXPECT_TRUE(v->pck.configuration->dynamic_platform);
  EXPECT_FALSE(v->pck.configuration->cached_keys);
  EXPECT_TRUE(v->pck.configuration->smt_enabled);
  ASSERT_TRUE(v->pck.platform_instance_id.has_value());
}

TEST_F(AzureQuote, TrailingZerosAreOptional) {
  auto v = VerifyQuote(ByteView(raw_).first(raw_.size() - 70), options_);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
}

TEST_F(AzureQuote, PckExtensionRoundTrips) {
  auto v = VerifyQuote(raw_, options_);
  ASSERT_TRUE(v.ok());
  auto der = SerializePckExtensionsDer(v->pck);
  ASSERT_TRUE(der.ok()) << der.error().ToString();
  EXPECT_EQ(*der, *v->chain.leaf.ExtensionValue(kSgxExtensionOid))
      << "Intel's encoding is reproduced byte for byte";
  Bytes truncated = *der;
  truncated.pop_back();
  EXPECT_FALSE(ParsePckExtensionsDer(truncated).ok());
  EXPECT_EQ(ParsePckExtensions(v->chain.intermediate).error().code(), ErrorCode::kNotFound);
}

TEST_F(AzureQuote, CollateralSeamIsCalled) {
  bool called = false;
  options_.collateral_check = [&called](const VerifiedQuote& v) -> Result<void> {
    called = true;
    if (v.pck.fmspc[1] == 0x80) return VerificationFailed("collateral: FMSPC out of date");
    return Ok();
  };
  auto v = VerifyQuote(raw_, options_);
  EXPECT_TRUE(called);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("collateral"), std::string::npos);
}

// A flipped byte in every signed or bound region fails, each with the step that protects it.
TEST_F(AzureQuote, FlippedByteInEachRegionFails) {
  struct Case {
    const char* region;
    size_t offset;
    const char* needle;
  } cases[] = {
      {"header version-adjacent reserved", 0x08, "signature over header"},
      {"header user data", 0x1C, "signature over header"},
      {"body MRTD", 0xB8, "signature over header"},
      {"body REPORTDATA", 0x238 + 5, "signature over header"},
      {"quote signature r", kSig + 3, "signature over header"},
      {"quote signature s", kSig + 40, "signature over header"},
      {"attestation key", kSig + 64 + 10, "QE report REPORTDATA"},
      {"QE report CPUSVN", kSig + 134, "QE report signature"},
      {"QE report REPORTDATA", kSig + 134 + 320, "QE report signature"},
      {"QE report signature", kSig + 518 + 7, "QE report signature"},
      {"QE auth data", kSig + 584 + 31, "QE report REPORTDATA"},
  };
  for (const auto& c : cases) {
    Bytes bad = raw_;
    bad[c.offset] ^= 0x01;
    auto v = VerifyQuote(bad, options_);
    ASSERT_FALSE(v.ok()) << c.region;
    EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed)
        << c.region << ": " << v.error().ToString();
    EXPECT_NE(v.error().message().find(c.needle), std::string::npos)
        << c.region << ": " << v.error().message();
  }
}

TEST_F(AzureQuote, TamperedChainFails) {
  auto q = ParseTdQuote(raw_);
  ASSERT_TRUE(q.ok());
  auto certs = x509::CertificatesFromPem(AsString(q->signature_data.qe_cert_data.pck_chain_pem));
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 3u);
  auto with_chain = [&](std::vector<x509::Certificate> chain) {
    TdQuote copy = *q;
    std::string pem = x509::CertificatesToPem(chain);
    copy.signature_data.qe_cert_data.pck_chain_pem = ToBytes(AsBytes(pem));
    return *SerializeTdQuote(copy);
  };
  // Swapped leaf and intermediate.
  auto v = VerifyQuote(with_chain({(*certs)[1], (*certs)[0], (*certs)[2]}), options_);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("chain order"), std::string::npos) << v.error().message();
  // Missing root.
  v = VerifyQuote(with_chain({(*certs)[0], (*certs)[1]}), options_);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("expected 3"), std::string::npos) << v.error().message();
  // Intermediate replaced by the root: the leaf is then not signed by it.
  v = VerifyQuote(with_chain({(*certs)[0], (*certs)[2], (*certs)[2]}), options_);
  EXPECT_FALSE(v.ok());
  // A flipped character inside the leaf's signature (base64, just before its END line).
  {
    std::string pem = AsString(q->signature_data.qe_cert_data.pck_chain_pem);
    size_t end = pem.find("-----END CERTIFICATE-----");
    ASSERT_NE(end, std::string::npos);
    pem[end - 10] = pem[end - 10] == 'A' ? 'B' : 'A';
    TdQuote copy = *q;
    copy.signature_data.qe_cert_data.pck_chain_pem = ToBytes(AsBytes(pem));
    EXPECT_FALSE(VerifyQuote(*SerializeTdQuote(copy), options_).ok());
  }
  // Garbage instead of PEM.
  TdQuote copy = *q;
  copy.signature_data.qe_cert_data.pck_chain_pem = ToBytes(AsBytes("not a pem"));
  EXPECT_FALSE(VerifyQuote(*SerializeTdQuote(copy), options_).ok());
}

TEST_F(AzureQuote, WrongRootOrTimeFails) {
  SKR_SHARED_FILE_OR_SKIP(amd, kAmdRootsPath);
  VerifyOptions wrong = options_;
  wrong.trusted_roots = *x509::CertificatesFromPem(testing::ReadTextOrDie(amd));
  auto v = VerifyQuote(raw_, wrong);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(v.error().message().find("not one of the pinned trusted roots"), std::string::npos)
      << v.error().message();

  wrong.trusted_roots.clear();
  EXPECT_EQ(VerifyQuote(raw_, wrong).error().code(), ErrorCode::kInvalidArgument);

  VerifyOptions early = options_;
  early.time = 1672531200;  // 2023-01-01: before the PCK leaf was issued
  EXPECT_EQ(VerifyQuote(raw_, early).error().code(), ErrorCode::kVerificationFailed);

  VerifyOptions late = options_;
  late.time = k2031;
  v = VerifyQuote(raw_, late);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed) << v.error().ToString();
}

TEST_F(AzureQuote, SmallerFunctionsCheckOneStepEach) {
  auto q = ParseTdQuote(raw_);
  ASSERT_TRUE(q.ok());
  auto chain = ParsePckChain(q->signature_data.qe_cert_data.pck_chain_pem);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  EXPECT_TRUE(VerifyPckChain(*chain, options_.trusted_roots, k2024).ok());
  EXPECT_TRUE(VerifyQeReportSignature(q->signature_data.qe_cert_data, chain->leaf).ok());
  // The QE report is signed by the PCK leaf, not by the intermediate.
  EXPECT_FALSE(VerifyQeReportSignature(q->signature_data.qe_cert_data, chain->intermediate).ok());
  EXPECT_TRUE(VerifyQeReportBinding(q->signature_data).ok());
  EXPECT_EQ(ExpectedQeReportData(q->signature_data.attestation_key,
                                 q->signature_data.qe_cert_data.qe_auth_data),
            q->signature_data.qe_cert_data.qe_report.report_data);
  auto msg = QuoteSignedMessage(*q);
  ASSERT_TRUE(msg.ok());
  EXPECT_TRUE(VerifyQuoteSignature(q->signature_data, *msg).ok());
  (*msg)[0x30] ^= 1;
  EXPECT_FALSE(VerifyQuoteSignature(q->signature_data, *msg).ok());
  // An attestation key that is not a curve point.
  QuoteSignatureData bad = q->signature_data;
  bad.attestation_key.fill(0x11);
  EXPECT_FALSE(VerifyQuoteSignature(bad, *QuoteSignedMessage(*q)).ok());
}

// The complete Azure TDX chain: Intel SGX Root CA -> PCK -> QE report -> quote -> the HCL report's
// TDREPORT -> runtime claims (HCLAkPub).
TEST_F(AzureQuote, BindsTheHclReport) {
  SKR_SHARED_FILE_OR_SKIP(hcl_path, kHclPath);
  auto v = VerifyQuote(raw_, options_);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hcl_path));
  ASSERT_TRUE(hcl.ok());
  auto td = VerifyHclReportAgainstQuote(*hcl, v->quote);
  ASSERT_TRUE(td.ok()) << td.error().ToString();
  EXPECT_EQ(td->mac_struct.report_data, v->quote.body.report_data);
  EXPECT_TRUE(VerifyTdReportHashes(*td).ok());

  // Tampered runtime claims: the REPORTDATA binding fails.
  hcl::HclReport claims = *hcl;
  claims.runtime_claims[10] ^= 1;
  auto r = VerifyHclReportAgainstQuote(claims, v->quote);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);

  // A TDREPORT field changed: its hash no longer matches (TEE_INFO_HASH).
  hcl::HclReport td_info = *hcl;
  td_info.hw_report[0x210] ^= 1;  // MRTD
  r = VerifyHclReportAgainstQuote(td_info, v->quote);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("TEE_INFO_HASH"), std::string::npos) << r.error().message();

  // Hash fixed up too: the quote body no longer matches.
  auto parsed = ParseTdReport(td_info.HardwareReport());
  ASSERT_TRUE(parsed.ok());
  Bytes h = crypto::Sha384(SerializeTdInfo(parsed->td_info));
  std::copy(h.begin(), h.end(), parsed->mac_struct.tee_info_hash.begin());
  Bytes fixed = SerializeTdReport(*parsed);
  std::copy(fixed.begin(), fixed.end(), td_info.hw_report.begin());
  r = VerifyHclReportAgainstQuote(td_info, v->quote);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("MRTD"), std::string::npos) << r.error().message();

  // Not a TDX HCL report.
  hcl::HclReport snp = *hcl;
  snp.report_type = hcl::ReportType::kSnp;
  EXPECT_EQ(VerifyHclReportAgainstQuote(snp, v->quote).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(AzureQuote, OtherVmsHclReportDoesNotBind) {
  SKR_SHARED_FILE_OR_SKIP(hcl_path, kOtherHclPath);
  auto v = VerifyQuote(raw_, options_);
  ASSERT_TRUE(v.ok());
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hcl_path));
  ASSERT_TRUE(hcl.ok());
  auto r = VerifyHclReportAgainstQuote(*hcl, v->quote);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("does not match the TD quote body"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace skr::tdx
