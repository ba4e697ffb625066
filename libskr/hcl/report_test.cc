#include "libskr/hcl/report.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/verify.h"
#include "libskr/testing/shared_samples.h"

namespace skr::hcl {
namespace {

struct Sample {
  const char* path;
  size_t size;
  uint32_t header_version;
  ReportType type;
  size_t claims_size;
  bool has_ek;  // HCLEkPub present (2023-2024 onward, evidence-formats.md 2.4)
};

// The four real Azure HCL reports (SOURCES.md), with what evidence-formats.md 2.2 records for each.
const Sample kSamples[] = {
    {"evidence-samples/azure-cvm-tooling/hcl-report-snp.bin", 2048, 1, ReportType::kSnp, 583,
     false},
    {"evidence-samples/azure-cvm-tooling/hcl-report-tdx.bin", 2600, 2, ReportType::kTdx, 1202,
     true},
    {"evidence-samples/trustee/az-snp-vtpm/hcl-report.bin", 2600, 1, ReportType::kSnp, 1110, true},
    {"evidence-samples/trustee/az-tdx-vtpm/hcl-report.bin", 2600, 2, ReportType::kTdx, 1201, true},
};

class RealHclReport : public ::testing::TestWithParam<Sample> {};

TEST_P(RealHclReport, ParsesRoundTripsAndBinds) {
  const Sample& s = GetParam();
  SKR_SHARED_FILE_OR_SKIP(path, s.path);
  Bytes raw = testing::ReadBytesOrDie(path);
  ASSERT_EQ(raw.size(), s.size);
  auto report = ParseHclReport(raw);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->header_version, s.header_version);
  EXPECT_EQ(report->report_type, s.type);
  EXPECT_EQ(report->request_type, RequestType::kAkCert);
  EXPECT_EQ(report->hash_type, ClaimsHashType::kSha256);
  EXPECT_EQ(report->runtime_claims.size(), s.claims_size);
  EXPECT_EQ(report->HardwareReport().size(), s.type == ReportType::kTdx ? 1024u : 1184u);

  auto again = SerializeHclReport(*report, s.size);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(*again, raw) << "serialize(parse(x)) must give back the NV bytes exactly";

  EXPECT_TRUE(VerifyRuntimeClaimsBinding(*report).ok());

  auto claims = RuntimeClaims::Parse(report->runtime_claims);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  auto ak = claims->Key("HCLAkPub");
  ASSERT_TRUE(ak.ok()) << ak.error().ToString();
  auto ak_key = ak->ToPublicKey();
  ASSERT_TRUE(ak_key.ok()) << ak_key.error().ToString();
  EXPECT_EQ(ak_key->bits(), 2048u);
  EXPECT_EQ(claims->Key("HCLEkPub").ok(), s.has_ek);
  ASSERT_NE(claims->vm_configuration(), nullptr);
  auto user_data = claims->UserData();
  ASSERT_TRUE(user_data.ok());
  if (s.has_ek) {
    ASSERT_TRUE(user_data->has_value());
    EXPECT_EQ((*user_data)->size(), 64u);
  }
}

INSTANTIATE_TEST_SUITE_P(AzureSamples, RealHclReport, ::testing::ValuesIn(kSamples));

Bytes LoadTrusteeSnp() {
  auto p = testing::SharedFile("evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  return p ? testing::ReadBytesOrDie(*p) : Bytes{};
}

TEST(HclReport, EveryClaimsByteIsBound) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  Bytes raw = testing::ReadBytesOrDie(path);
  auto report = ParseHclReport(raw);
  ASSERT_TRUE(report.ok());
  for (size_t i = 0; i < report->runtime_claims.size(); i += 97) {
    HclReport tampered = *report;
    tampered.runtime_claims[i] ^= 0x01;
    auto r = VerifyRuntimeClaimsBinding(tampered);
    ASSERT_FALSE(r.ok()) << "claims byte " << i;
    EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  }
  // And REPORT_DATA itself: a flipped hash byte and a non-zero upper half.
  for (size_t off : {kSnpReportDataOffset, kSnpReportDataOffset + 31, kSnpReportDataOffset + 32,
                     kSnpReportDataOffset + 63}) {
    HclReport tampered = *report;
    tampered.hw_report[off] ^= 0x80;
    auto r = VerifyRuntimeClaimsBinding(tampered);
    ASSERT_FALSE(r.ok()) << "report_data offset " << off;
    EXPECT_NE(r.error().message().find("REPORT_DATA"), std::string::npos);
  }
}

TEST(HclReport, TruncationAtEveryBoundaryFails) {
  Bytes raw = LoadTrusteeSnp();
  if (raw.empty())
    GTEST_SKIP() << testing::MissingSharedFileMessage(
        "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  auto full = ParseHclReport(raw);
  ASSERT_TRUE(full.ok());
  size_t end_of_claims = kClaimsOffset + full->runtime_claims.size();
  for (size_t cut :
       {size_t{0}, size_t{3}, size_t{4}, size_t{8}, size_t{0x0C}, size_t{0x10}, size_t{0x14},
        size_t{0x1F}, size_t{0x20}, size_t{0x4BF}, size_t{0x4C0}, size_t{0x4C4}, size_t{0x4C8},
        size_t{0x4CC}, size_t{0x4D0}, size_t{0x4D3}, size_t{0x4D4}, end_of_claims - 1}) {
    auto r = ParseHclReport(ByteView(raw).first(cut));
    ASSERT_FALSE(r.ok()) << "truncated to " << cut;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << r.error().ToString();
  }
  // Exactly the meaningful bytes (no NV padding) is a complete report.
  EXPECT_TRUE(ParseHclReport(ByteView(raw).first(end_of_claims)).ok());
}

// Patches a little-endian u32 at `offset` and expects the parse to fail with `code`.
void ExpectPatchedFails(Bytes raw, size_t offset, uint32_t value, ErrorCode code,
                        const std::string& fragment) {
  for (int i = 0; i < 4; ++i) raw[offset + i] = (value >> (8 * i)) & 0xff;
  auto r = ParseHclReport(raw);
  ASSERT_FALSE(r.ok()) << "offset " << HexOffset(offset) << " = " << value;
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}

TEST(HclReport, HeaderAndRequestDataNegatives) {
  Bytes raw = LoadTrusteeSnp();
  if (raw.empty())
    GTEST_SKIP() << testing::MissingSharedFileMessage(
        "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  ExpectPatchedFails(raw, 0x00, 0x41424344, ErrorCode::kMalformed, "HCLA");
  ExpectPatchedFails(raw, 0x04, 3, ErrorCode::kUnsupported, "header version 3");
  ExpectPatchedFails(raw, 0x08, 2345, ErrorCode::kMalformed, "report_size");
  ExpectPatchedFails(raw, 0x0C, 0, ErrorCode::kMalformed, "request_type");
  ExpectPatchedFails(raw, 0x14, 1, ErrorCode::kMalformed, "reserved");
  ExpectPatchedFails(raw, 0x4C0, 1131, ErrorCode::kMalformed, "data_size");
  ExpectPatchedFails(raw, 0x4C4, 7, ErrorCode::kUnsupported, "request data version 7");
  ExpectPatchedFails(raw, 0x4C8, 9, ErrorCode::kMalformed, "report_type");
  ExpectPatchedFails(raw, 0x4CC, 4, ErrorCode::kMalformed, "report_data_hash_type");
  // A claims size running past the buffer (hostile length) is a bounds error, not a crash.
  ExpectPatchedFails(raw, 0x4D0, 0xFFFFFFF0, ErrorCode::kMalformed, "runtime_claims");
  // Non-zero NV padding after the claims.
  Bytes padded = raw;
  padded.back() = 1;
  auto r = ParseHclReport(padded);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("padding"), std::string::npos);
}

TEST(HclReport, TdxPaddingMustBeZero) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/az-tdx-vtpm/hcl-report.bin");
  Bytes raw = testing::ReadBytesOrDie(path);
  raw[kHwReportOffset + kTdReportSize + 5] = 0xAA;
  auto r = ParseHclReport(raw);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("TDREPORT"), std::string::npos) << r.error().message();
}

TEST(HclReport, SerializeBuildsABoundReportAndRequestDataV2) {
  HclReport report;
  report.report_type = ReportType::kSnp;
  report.runtime_claims = ToBytes(AsBytes(R"({"keys":[],"user-data":"00"})"));
  auto rd = ExpectedReportData(report.hash_type, report.runtime_claims);
  ASSERT_TRUE(rd.ok());
  std::copy(rd->begin(), rd->end(), report.hw_report.begin() + kSnpReportDataOffset);
  for (uint32_t version : {1u, 2u}) {
    report.request_data_version = version;
    report.capability_bitmap = version >= 2 ? std::optional<uint32_t>(0x3) : std::nullopt;
    auto bytes = SerializeHclReport(report, kAzureNvSize);
    ASSERT_TRUE(bytes.ok()) << bytes.error().ToString();
    EXPECT_EQ(bytes->size(), kAzureNvSize);
    auto parsed = ParseHclReport(*bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_EQ(parsed->capability_bitmap, report.capability_bitmap);
    EXPECT_EQ(parsed->runtime_claims, report.runtime_claims);
    EXPECT_TRUE(VerifyRuntimeClaimsBinding(*parsed).ok());
  }
  // Too large for the NV index: a clear error, not a truncated report.
  report.runtime_claims.assign(3000, ' ');
  auto too_big = SerializeHclReport(report, kAzureNvSize);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kInvalidArgument);
}

TEST(RuntimeClaims, RejectsMalformed) {
  EXPECT_FALSE(RuntimeClaims::Parse(AsBytes("{")).ok());
  EXPECT_FALSE(RuntimeClaims::Parse(AsBytes("[1,2]")).ok());
  EXPECT_FALSE(RuntimeClaims::Parse(AsBytes(R"({"keys":{}})")).ok());
  auto c = RuntimeClaims::Parse(AsBytes(R"({"keys":[],"user-data":"XYZ"})"));
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->UserData().ok());
  EXPECT_EQ(c->Key("HCLAkPub").error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace skr::hcl
