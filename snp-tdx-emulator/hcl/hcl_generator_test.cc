#include "snp-tdx-emulator/hcl/hcl_generator.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/verify.h"
#include "libskr/testing/shared_samples.h"

namespace skr::emulator {
namespace {

Bytes ModulusOf(const nlohmann::json& claims, const char* kid) {
  for (const auto& k : claims["keys"]) {
    if (k["kid"] == kid) return *encoding::Base64UrlDecode(k["n"].get<std::string>());
  }
  ADD_FAILURE() << "no " << kid;
  return {};
}

// The generator must reproduce Azure's runtime claims byte for byte when given the same values:
// member order, spelling, casing and compact form all matter, because REPORT_DATA is their hash.
class RealClaims : public ::testing::TestWithParam<const char*> {};

TEST_P(RealClaims, RegeneratedClaimsAreByteIdentical) {
  SKR_SHARED_FILE_OR_SKIP(path, GetParam());
  auto report = hcl::ParseHclReport(testing::ReadBytesOrDie(path));
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
  ASSERT_TRUE(claims.ok());
  const nlohmann::json& j = claims->json();
  const nlohmann::json& vm = j["vm-configuration"];

  HclGeneratorOptions o;
  o.ak_modulus = ModulusOf(j, "HCLAkPub");
  o.ek_modulus = ModulusOf(j, "HCLEkPub");
  o.vm.console_enabled = vm["console-enabled"];
  if (vm.contains("root-cert-thumbprint")) o.vm.root_cert_thumbprint = vm["root-cert-thumbprint"];
  o.vm.secure_boot = vm["secure-boot"];
  o.vm.tpm_enabled = vm["tpm-enabled"];
  if (vm.contains("tpm-persisted")) o.vm.tpm_persisted = vm["tpm-persisted"].get<bool>();
  o.vm.vm_unique_id = vm["vmUniqueId"];
  auto user_data = claims->UserData();
  ASSERT_TRUE(user_data.ok() && user_data->has_value());

  Bytes regenerated = RuntimeClaimsJson(o, **user_data);
  EXPECT_EQ(AsString(regenerated), AsString(report->runtime_claims));
}

INSTANTIATE_TEST_SUITE_P(
    AzureSamples, RealClaims,
    ::testing::Values("evidence-samples/trustee/az-snp-vtpm/hcl-report.bin",
                      "evidence-samples/trustee/az-tdx-vtpm/hcl-report.bin",
                      "evidence-samples/azure-cvm-tooling/hcl-report-tdx.bin"));

HclGeneratorOptions TestOptions(hcl::ReportType type) {
  HclGeneratorOptions o;
  o.report_type = type;
  o.ak_modulus = Bytes(256, 0xA1);
  o.ek_modulus = Bytes(256, 0xE1);
  o.vm.vm_unique_id = "00000000-0000-0000-0000-000000000001";
  // A stand-in for the hardware: puts REPORT_DATA where the format says, nothing else. The real
  // signers (emulated AMD SP, TDX module) are tested with their own verifiers.
  size_t size = type == hcl::ReportType::kTdx ? hcl::kTdReportSize : hcl::kHwReportSize;
  size_t offset =
      type == hcl::ReportType::kTdx ? hcl::kTdReportDataOffset : hcl::kSnpReportDataOffset;
  o.signer = [size, offset](ByteView report_data) -> Result<Bytes> {
    Bytes hw(size, 0);
    std::copy(report_data.begin(), report_data.end(), hw.begin() + offset);
    return hw;
  };
  return o;
}

TEST(HclGenerator, BindsUserDataForSnpAndTdx) {
  for (auto type : {hcl::ReportType::kSnp, hcl::ReportType::kTdx}) {
    Bytes user_data(64);
    for (size_t i = 0; i < 64; ++i) user_data[i] = static_cast<uint8_t>(i * 3);
    auto nv = GenerateHclReport(TestOptions(type), user_data);
    ASSERT_TRUE(nv.ok()) << nv.error().ToString();
    EXPECT_EQ(nv->size(), 2600u);
    auto parsed = hcl::ParseHclReport(*nv);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_EQ(parsed->report_type, type);
    EXPECT_TRUE(hcl::VerifyRuntimeClaimsBinding(*parsed).ok());
    auto claims = hcl::RuntimeClaims::Parse(parsed->runtime_claims);
    ASSERT_TRUE(claims.ok());
    auto got = claims->UserData();
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ(**got, user_data);
    EXPECT_EQ(claims->json()["user-data"].get<std::string>(), encoding::HexEncodeUpper(user_data));
  }
}

TEST(HclGenerator, RejectsBadInputsAndUnboundSigner) {
  auto o = TestOptions(hcl::ReportType::kSnp);
  EXPECT_EQ(GenerateHclReport(o, Bytes(63)).error().code(), ErrorCode::kInvalidArgument);
  auto no_signer = o;
  no_signer.signer = nullptr;
  EXPECT_EQ(GenerateHclReport(no_signer, Bytes(64)).error().code(), ErrorCode::kInvalidArgument);
  auto liar = o;
  liar.signer = [](ByteView) -> Result<Bytes> { return Bytes(hcl::kHwReportSize, 0x5A); };
  auto r = GenerateHclReport(liar, Bytes(64));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  auto short_report = o;
  short_report.signer = [](ByteView) -> Result<Bytes> { return Bytes(100, 0); };
  EXPECT_EQ(GenerateHclReport(short_report, Bytes(64)).error().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace skr::emulator
