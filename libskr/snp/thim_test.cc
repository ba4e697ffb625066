#include "libskr/snp/thim.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libskr/hcl/report.h"
#include "libskr/testing/shared_samples.h"

namespace skr::snp {
namespace {

constexpr std::time_t k2025 = 1735689600;

TEST(SnpKds, VcekUrlMilanAndTurin) {
  Bytes chip(64, 0);
  for (size_t i = 0; i < 64; ++i) chip[i] = static_cast<uint8_t>(i);
  const std::string milan = KdsVcekUrl(Product::kMilan, chip, TcbVersion{0x7308000000000003});
  EXPECT_EQ(milan.rfind("https://kdsintf.amd.com/vcek/v1/Milan/000102030405", 0), 0u) << milan;
  EXPECT_NE(milan.find("3e3f?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115"), std::string::npos)
      << milan;
  const std::string turin =
      KdsVcekUrl(Product::kTurin, chip, TcbVersion::FromParts(Product::kTurin, {1, 2, 3, 4, 9}));
  EXPECT_EQ(turin,
            "https://kdsintf.amd.com/vcek/v1/Turin/0001020304050607?fmcSPL=01&blSPL=02&teeSPL=03&"
            "snpSPL=04&ucodeSPL=09");
}

// The THIM response shape built from the real Azure VCEK/ASK/ARK of trustee/az-snp-vtpm.
TEST(SnpThim, RealAzureCertificatesInThimShapeVerify) {
  SKR_SHARED_FILE_OR_SKIP(hp, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  SKR_SHARED_FILE_OR_SKIP(vp, "evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  auto certs = x509::CertificatesFromPem(testing::ReadTextOrDie(vp));
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 3u);
  ThimCertification in{(*certs)[0], {(*certs)[1], (*certs)[2]}, "7308000000000003", "86400"};
  const std::string text = SerializeThimJson(in);
  EXPECT_EQ(text.rfind("{\"vcekCert\":\"-----BEGIN CERTIFICATE-----\\n", 0), 0u);
  EXPECT_LT(text.find("\"tcbm\""), text.find("\"certificateChain\""));
  EXPECT_LT(text.find("\"certificateChain\""), text.find("\"cacheControl\""));

  auto thim = ParseThimJson(text);
  ASSERT_TRUE(thim.ok()) << thim.error().ToString();
  EXPECT_EQ(thim->tcbm, "7308000000000003");
  EXPECT_EQ(thim->cache_control, "86400");
  ASSERT_EQ(thim->chain.size(), 2u);
  auto chain = thim->Chain();
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hp));
  ASSERT_TRUE(hcl.ok());
  auto report =
      VerifyAttestation(hcl->HardwareReport(), *chain, VerifyOptions{{(*certs)[2]}, k2025, true});
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  // tcbm is the reported TCB (evidence-formats.md 1.4).
  EXPECT_EQ(report->reported_tcb.Tcbm(), thim->tcbm);
  EXPECT_EQ(SerializeThimJson(*thim), text);
}

TEST(SnpThim, MalformedResponses) {
  SKR_SHARED_FILE_OR_SKIP(vp, "evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  auto certs = x509::CertificatesFromPem(testing::ReadTextOrDie(vp));
  ASSERT_TRUE(certs.ok());
  const std::string vcek = (*certs)[0].ToPem();
  const std::string chain = (*certs)[1].ToPem() + (*certs)[2].ToPem();
  auto make = [&](auto mutate) {
    nlohmann::json j = {{"vcekCert", vcek},
                        {"tcbm", "7308000000000003"},
                        {"certificateChain", chain},
                        {"cacheControl", "86400"}};
    mutate(j);
    return j.dump();
  };
  struct Case {
    const char* what;
    std::string text;
  };
  const Case cases[] = {
      {"vcekCert", make([](nlohmann::json& j) { j.erase("vcekCert"); })},
      {"certificateChain", make([](nlohmann::json& j) { j.erase("certificateChain"); })},
      {"vcekCert", make([](nlohmann::json& j) { j["vcekCert"] = ""; })},
      {"vcekCert", make([](nlohmann::json& j) { j["vcekCert"] = 5; })},
      {"vcekCert", make([&](nlohmann::json& j) { j["vcekCert"] = vcek + vcek; })},
      {"vcekCert", make([](nlohmann::json& j) { j["vcekCert"] = "-----BEGIN CERTIFICATE-----"; })},
      {"certificateChain", make([](nlohmann::json& j) { j["certificateChain"] = "junk"; })},
      {"tcbm", make([](nlohmann::json& j) { j["tcbm"] = "7308"; })},
      {"tcbm", make([](nlohmann::json& j) { j["tcbm"] = "73080000000000zz"; })},
      {"JSON object", "[1,2]"},
      {"JSON object", "{not json"},
  };
  for (const Case& c : cases) {
    auto r = ParseThimJson(c.text);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.error().message().find(c.what), std::string::npos) << r.error().message();
  }
  // Optional members may be absent.
  auto ok = ParseThimJson(make([](nlohmann::json& j) {
    j.erase("tcbm");
    j.erase("cacheControl");
  }));
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();
}

}  // namespace
}  // namespace skr::snp
