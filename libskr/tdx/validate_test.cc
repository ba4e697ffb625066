#include "libskr/tdx/validate.h"

#include <gtest/gtest.h>

#include "libskr/testing/shared_samples.h"

namespace skr::tdx {
namespace {

constexpr char kQuotePath[] = "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin";

class ValidateAzureQuote : public ::testing::Test {
 protected:
  void SetUp() override {
    auto path = testing::SharedFile(kQuotePath);
    if (!path) GTEST_SKIP() << testing::MissingSharedFileMessage(kQuotePath);
    auto q = ParseTdQuote(testing::ReadBytesOrDie(*path));
    ASSERT_TRUE(q.ok());
    quote_ = *q;
    pck_.fmspc = {0x00, 0x80, 0x6f, 0x05, 0x00, 0x00};
    pck_.tcb.pce_svn = 11;
  }
  // The policy the sample satisfies exactly.
  ValidationPolicy Exact() const {
    ValidationPolicy p;
    p.mr_td = quote_.body.mr_td;
    p.mr_seam = quote_.body.mr_seam;
    p.mr_config_id = quote_.body.mr_config_id;
    p.mr_owner = quote_.body.mr_owner;
    p.mr_owner_config = quote_.body.mr_owner_config;
    for (int i = 0; i < 4; ++i) p.rtmr[i] = quote_.body.rtmr[i];
    p.report_data = quote_.body.report_data;
    p.qe_vendor_id = kIntelQeVendorId;
    p.fmspc = pck_.fmspc;
    p.min_tee_tcb_svn = quote_.body.tee_tcb_svn;
    p.min_pce_svn = 11;
    p.min_qe_svn = quote_.signature_data.qe_cert_data.qe_report.isv_svn;
    p.xfam_mask = ~0ull;
    p.xfam_value = 0x618E7;
    p.td_attributes_mask = ~0ull;
    p.td_attributes_value = 0;
    return p;
  }
  TdQuote quote_;
  PckExtensions pck_;
};

void ExpectViolation(const Result<void>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "expected a violation naming " << needle;
  EXPECT_EQ(r.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
}

TEST_F(ValidateAzureQuote, DefaultAndExactPoliciesPass) {
  EXPECT_TRUE(ValidateQuote(quote_, ValidationPolicy{}).ok());
  auto r = ValidateQuote(quote_, Exact(), &pck_);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
}

TEST_F(ValidateAzureQuote, DebugTdIsRejectedUnlessAllowed) {
  quote_.body.td_attributes |= kTdAttributeDebug;
  ExpectViolation(ValidateQuote(quote_, ValidationPolicy{}), "DEBUG");
  ValidationPolicy allow;
  allow.allow_debug = true;
  EXPECT_TRUE(ValidateQuote(quote_, allow).ok());
}

TEST_F(ValidateAzureQuote, EachFieldIsNamed) {
  struct Case {
    const char* needle;
    std::function<void(TdQuote&, PckExtensions&)> mutate;
  } cases[] = {
      {"MRTD is", [](TdQuote& q, PckExtensions&) { q.body.mr_td[0] ^= 1; }},
      {"MRSEAM", [](TdQuote& q, PckExtensions&) { q.body.mr_seam[0] ^= 1; }},
      {"MRCONFIGID", [](TdQuote& q, PckExtensions&) { q.body.mr_config_id[0] ^= 1; }},
      {"MROWNER is", [](TdQuote& q, PckExtensions&) { q.body.mr_owner[0] ^= 1; }},
      {"MROWNERCONFIG", [](TdQuote& q, PckExtensions&) { q.body.mr_owner_config[0] ^= 1; }},
      {"RTMR2", [](TdQuote& q, PckExtensions&) { q.body.rtmr[2][0] ^= 1; }},
      {"REPORTDATA", [](TdQuote& q, PckExtensions&) { q.body.report_data[63] ^= 1; }},
      {"XFAM", [](TdQuote& q, PckExtensions&) { q.body.xfam ^= 4; }},
      {"TDATTRIBUTES is", [](TdQuote& q, PckExtensions&) { q.body.td_attributes |= 1ull << 28; }},
      {"QE vendor id", [](TdQuote& q, PckExtensions&) { q.header.qe_vendor_id[0] ^= 1; }},
      {"FMSPC", [](TdQuote&, PckExtensions& p) { p.fmspc[5] = 1; }},
      {"TEE_TCB_SVN", [](TdQuote& q, PckExtensions&) { q.body.tee_tcb_svn[1] -= 1; }},
      {"PCE SVN", [](TdQuote&, PckExtensions& p) { p.tcb.pce_svn = 10; }},
      {"QE SVN",
       [](TdQuote& q, PckExtensions&) { q.signature_data.qe_cert_data.qe_report.isv_svn -= 1; }},
  };
  for (const auto& c : cases) {
    TdQuote q = quote_;
    PckExtensions p = pck_;
    c.mutate(q, p);
    ExpectViolation(ValidateQuote(q, Exact(), &p), c.needle);
  }
}

TEST_F(ValidateAzureQuote, HigherSvnsPassFloors) {
  ValidationPolicy p = Exact();
  quote_.body.tee_tcb_svn[0] += 1;
  p.mr_td.reset();
  EXPECT_TRUE(ValidateQuote(quote_, p, &pck_).ok());
  p.min_tee_tcb_svn->at(0) += 2;
  ExpectViolation(ValidateQuote(quote_, p, &pck_), "byte 0");
}

TEST_F(ValidateAzureQuote, AllViolationsAreReported) {
  TdQuote q = quote_;
  q.body.mr_td[0] ^= 1;
  q.body.td_attributes |= kTdAttributeDebug;
  ValidationPolicy p = Exact();
  p.td_attributes_mask = 0;
  auto r = ValidateQuote(q, p, &pck_);
  ExpectViolation(r, "MRTD");
  ExpectViolation(r, "DEBUG");
}

TEST_F(ValidateAzureQuote, PckPolicyNeedsExtensions) {
  ValidationPolicy p;
  p.min_pce_svn = 1;
  EXPECT_EQ(ValidateQuote(quote_, p).error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace skr::tdx
