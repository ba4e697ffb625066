#include "libskr/tdx/abi.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/testing/shared_samples.h"

namespace skr::tdx {
namespace {

constexpr char kQuotePath[] = "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin";
constexpr char kHclPath[] = "evidence-samples/trustee/az-tdx-vtpm/hcl-report.bin";
constexpr char kOtherHclPath[] = "evidence-samples/azure-cvm-tooling/hcl-report-tdx.bin";

// Sizes of the trustee Azure quote (evidence-formats.md 2.6, 3.4).
constexpr size_t kQuoteSize = 5006;
constexpr size_t kSigDataLen = 4300;
constexpr size_t kSigDataEnd = 0x27C + kSigDataLen;  // 4936; 70 zero bytes follow

Bytes TdReportOf(const std::filesystem::path& hcl_path) {
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hcl_path));
  EXPECT_TRUE(hcl.ok());
  return ToBytes(hcl->HardwareReport());
}

TEST(TdQuoteAbi, ParsesAzureQuote) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  ASSERT_EQ(raw.size(), kQuoteSize);
  auto q = ParseTdQuote(raw);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->header.version, 4);
  EXPECT_EQ(q->header.attestation_key_type, 2);
  EXPECT_EQ(q->header.tee_type, 0x81u);
  EXPECT_EQ(q->header.qe_vendor_id, kIntelQeVendorId);
  EXPECT_EQ(q->body.td_attributes, 0u);
  EXPECT_EQ(q->body.xfam, 0x618E7u);
  for (const auto& r : q->body.rtmr) EXPECT_TRUE(IsAllZero(r));
  const auto& sig = q->signature_data;
  EXPECT_EQ(sig.cert_data_type, 6);
  EXPECT_EQ(sig.qe_cert_data.pck_cert_data_type, 5);
  Bytes counting(32);
  for (int i = 0; i < 32; ++i) counting[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(sig.qe_cert_data.qe_auth_data, counting);
  EXPECT_EQ(sig.qe_cert_data.pck_chain_pem.size(), 3678u);
  EXPECT_EQ(sig.qe_cert_data.qe_report.isv_prod_id, 2);
  EXPECT_EQ(encoding::HexEncode(sig.qe_cert_data.qe_report.mr_signer),
            "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5");
  EXPECT_EQ(q->trailing, Bytes(70, 0));

  auto again = SerializeTdQuote(*q);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(*again, raw);
  auto msg = QuoteSignedMessage(*q);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(*msg, Bytes(raw.begin(), raw.begin() + 0x278));
  EXPECT_EQ(SerializeQuoteSignatureData(sig).size(), kSigDataLen);
}

TEST(TdQuoteAbi, TrailingBytesAreOptionalAndKept) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  Bytes exact(raw.begin(), raw.begin() + kSigDataEnd);
  auto q = ParseTdQuote(exact);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_TRUE(q->trailing.empty());
  EXPECT_EQ(*SerializeTdQuote(*q), exact);
}

TEST(TdQuoteAbi, TruncationAtEveryLengthFails) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  for (size_t len = 0; len < kSigDataEnd; ++len) {
    auto q = ParseTdQuote(ByteView(raw).first(len));
    ASSERT_FALSE(q.ok()) << "prefix of " << len << " bytes parsed";
    EXPECT_EQ(q.error().code(), ErrorCode::kMalformed) << len << ": " << q.error().ToString();
  }
}

TEST(TdQuoteAbi, TruncationErrorsNameTheField) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  struct Case {
    size_t len;
    const char* needle;
  } cases[] = {
      {0x20, "user data"},
      {0x100, "MRCONFIGID"},
      {0x278, "signature data length"},
      {0x300, "signature data"},
  };
  for (const auto& c : cases) {
    auto q = ParseTdQuote(ByteView(raw).first(c.len));
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.error().message().find(c.needle), std::string::npos) << q.error().message();
  }
}

TEST(TdQuoteAbi, InconsistentInnerSizesAreRejected) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  // Outer certification data size (sig data +130) one too large.
  Bytes bad = raw;
  bad[0x27C + 130] += 1;
  auto q = ParseTdQuote(bad);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message().find("certification data size"), std::string::npos)
      << q.error().message();
  // Signature data length one smaller: inner sizes no longer fit.
  bad = raw;
  bad[0x278] -= 1;
  EXPECT_FALSE(ParseTdQuote(bad).ok());
}

TEST(TdQuoteAbi, RejectsOtherVersionsTeeTypesAndCertTypes) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  struct Case {
    size_t offset;
    uint8_t value;
    const char* needle;
  } cases[] = {
      {0, 3, "version"},
      {2, 3, "attestation key type"},
      {4, 0, "TEE type"},
      {0x27C + 128, 5, "certification data type"},
      {0x27C + 584 + 32, 1, "certification data type (inner)"},
  };
  for (const auto& c : cases) {
    Bytes bad = raw;
    bad[c.offset] = c.value;
    auto q = ParseTdQuote(bad);
    ASSERT_FALSE(q.ok()) << c.needle;
    EXPECT_EQ(q.error().code(), ErrorCode::kUnsupported) << q.error().ToString();
    EXPECT_NE(q.error().message().find(c.needle), std::string::npos) << q.error().message();
  }
}

// Re-frames the v4 sample as v5 (evidence-formats.md 3.3): body type and size before the body.
Bytes AsV5(const Bytes& v4, uint16_t body_type, ByteView extra_body) {
  ByteWriter w;
  w.Append(ByteView(v4).first(kQuoteHeaderSize));
  w.PutU16Le(0, 5);
  w.AppendU16Le(body_type);
  w.AppendU32Le(static_cast<uint32_t>(kTdQuoteBody10Size + extra_body.size()));
  w.Append(ByteView(v4).subspan(kQuoteHeaderSize, kTdQuoteBody10Size));
  w.Append(extra_body);
  w.Append(ByteView(v4).subspan(kQuoteHeaderSize + kTdQuoteBody10Size));
  return std::move(w).Take();
}

TEST(TdQuoteAbi, ParsesV5Framing) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  auto v4 = ParseTdQuote(raw);
  ASSERT_TRUE(v4.ok());

  Bytes v5 = AsV5(raw, kBodyTypeTdx10, {});
  auto q = ParseTdQuote(v5);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->header.version, 5);
  EXPECT_EQ(q->body_type, kBodyTypeTdx10);
  EXPECT_EQ(q->body.mr_td, v4->body.mr_td);
  EXPECT_EQ(q->signature_data.qe_cert_data.pck_chain_pem,
            v4->signature_data.qe_cert_data.pck_chain_pem);
  EXPECT_EQ(*SerializeTdQuote(*q), v5);
  EXPECT_EQ(QuoteSignedMessage(*q)->size(), kQuoteHeaderSize + 6 + kTdQuoteBody10Size);

  Bytes extra(64);
  for (size_t i = 0; i < extra.size(); ++i) extra[i] = static_cast<uint8_t>(0xA0 + i);
  Bytes v5_15 = AsV5(raw, kBodyTypeTdx15, extra);
  q = ParseTdQuote(v5_15);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  EXPECT_EQ(q->body_type, kBodyTypeTdx15);
  EXPECT_EQ(q->body.tee_tcb_svn2[0], 0xA0);
  EXPECT_EQ(q->body.mr_servicetd[47], 0xA0 + 63);
  EXPECT_EQ(*SerializeTdQuote(*q), v5_15);

  // Size not matching the type, SGX body type, truncation inside the v5 framing.
  Bytes bad = v5;
  bad[0x32] = 0x49;
  EXPECT_EQ(ParseTdQuote(bad).error().code(), ErrorCode::kMalformed);
  bad = v5;
  bad[0x30] = 1;
  EXPECT_EQ(ParseTdQuote(bad).error().code(), ErrorCode::kUnsupported);
  for (size_t len : {0x30, 0x31, 0x33, 0x35, 0x36 + 583}) {
    EXPECT_FALSE(ParseTdQuote(ByteView(v5).first(len)).ok()) << len;
  }
}

TEST(TdReportAbi, ParsesRoundTripsAndMapsToTheQuoteBody) {
  SKR_SHARED_FILE_OR_SKIP(hcl_path, kHclPath);
  SKR_SHARED_FILE_OR_SKIP(quote_path, kQuotePath);
  Bytes raw = TdReportOf(hcl_path);
  auto r = ParseTdReport(raw);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->mac_struct.report_type, 0x81);
  EXPECT_EQ(encoding::HexEncode(r->tee_tcb_info.valid), "ff01030000000000");
  EXPECT_EQ(r->td_info.attributes, 0u);
  EXPECT_EQ(r->td_info.xfam, 0x618E7u);
  EXPECT_EQ(SerializeTdReport(*r), raw);
  EXPECT_EQ(SerializeTeeTcbInfo(r->tee_tcb_info).size(), kTeeTcbInfoSize);
  EXPECT_EQ(SerializeTdInfo(r->td_info).size(), kTdInfoSize);

  // The trustee quote is IMDS's quote of exactly this TDREPORT: the QE's copy is byte-identical.
  auto q = ParseTdQuote(testing::ReadBytesOrDie(quote_path));
  ASSERT_TRUE(q.ok());
  Bytes mapped = SerializeTdQuoteBody(QuoteBodyFromTdReport(*r));
  EXPECT_EQ(mapped, SerializeTdQuoteBody(q->body));
}

TEST(TdReportAbi, OtherVmsTdReportDoesNotMapToTheQuote) {
  SKR_SHARED_FILE_OR_SKIP(hcl_path, kOtherHclPath);
  SKR_SHARED_FILE_OR_SKIP(quote_path, kQuotePath);
  auto r = ParseTdReport(TdReportOf(hcl_path));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto q = ParseTdQuote(testing::ReadBytesOrDie(quote_path));
  ASSERT_TRUE(q.ok());
  EXPECT_NE(SerializeTdQuoteBody(QuoteBodyFromTdReport(*r)), SerializeTdQuoteBody(q->body));
}

TEST(TdReportAbi, RejectsWrongSizeAndType) {
  SKR_SHARED_FILE_OR_SKIP(hcl_path, kHclPath);
  Bytes raw = TdReportOf(hcl_path);
  EXPECT_EQ(ParseTdReport(ByteView(raw).first(1023)).error().code(), ErrorCode::kMalformed);
  Bytes longer = raw;
  longer.push_back(0);
  EXPECT_EQ(ParseTdReport(longer).error().code(), ErrorCode::kMalformed);
  Bytes sgx = raw;
  sgx[0] = 0;
  auto r = ParseTdReport(sgx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message().find("REPORTTYPE"), std::string::npos);
}

TEST(SgxReportBodyAbi, RoundTrips) {
  SKR_SHARED_FILE_OR_SKIP(path, kQuotePath);
  Bytes raw = testing::ReadBytesOrDie(path);
  ByteView qe = ByteView(raw).subspan(0x27C + 134, kSgxReportBodySize);
  auto b = ParseSgxReportBody(qe);
  ASSERT_TRUE(b.ok()) << b.error().ToString();
  EXPECT_EQ(SerializeSgxReportBody(*b), ToBytes(qe));
  EXPECT_FALSE(ParseSgxReportBody(qe.first(383)).ok());
}

}  // namespace
}  // namespace skr::tdx
