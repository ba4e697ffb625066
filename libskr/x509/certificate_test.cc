#include "libskr/x509/certificate.h"

#include <gtest/gtest.h>

#include "libskr/encoding/encoding.h"
#include "libskr/testing/shared_samples.h"

namespace skr::x509 {
namespace {

constexpr std::time_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z

// ASK, ARK, ASVK bundle as AMD KDS serves it (evidence-formats.md 1.6).
std::vector<Certificate> LoadAmdBundle(const std::filesystem::path& p) {
  auto certs = CertificatesFromPem(testing::ReadTextOrDie(p));
  EXPECT_TRUE(certs.ok()) << certs.error().ToString();
  return certs.ok() ? *certs : std::vector<Certificate>{};
}

TEST(AmdRoots, MilanFingerprintsAndPssChain) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem");
  auto certs = LoadAmdBundle(path);
  ASSERT_EQ(certs.size(), 3u);
  const Certificate& ask = certs[0];
  const Certificate& ark = certs[1];
  EXPECT_EQ(ark.subject_cn(), "ARK-Milan");
  EXPECT_EQ(ask.subject_cn(), "SEV-Milan");
  EXPECT_EQ(encoding::HexEncode(ark.Fingerprint(crypto::HashAlg::kSha256)),
            "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd");
  EXPECT_EQ(encoding::HexEncode(ask.Fingerprint(crypto::HashAlg::kSha256)),
            "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b");
  std::vector<Certificate> roots = {ark};
  EXPECT_TRUE(VerifyChain(ask, {}, roots, k2025).ok());
}

TEST(AmdRoots, WrongRootAndWrongTimeFail) {
  SKR_SHARED_FILE_OR_SKIP(milan, "evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem");
  SKR_SHARED_FILE_OR_SKIP(genoa, "evidence-samples/trustee/amd-ca/genoa_ask_ark_asvk.pem");
  auto m = LoadAmdBundle(milan);
  auto g = LoadAmdBundle(genoa);
  ASSERT_EQ(m.size(), 3u);
  ASSERT_EQ(g.size(), 3u);
  std::vector<Certificate> genoa_root = {g[1]};
  auto wrong_root = VerifyChain(m[0], {}, genoa_root, k2025);
  ASSERT_FALSE(wrong_root.ok());
  EXPECT_EQ(wrong_root.error().code(), ErrorCode::kVerificationFailed);
  std::vector<Certificate> milan_root = {m[1]};
  auto too_early = VerifyChain(m[0], {}, milan_root, 946684800 /* 2000-01-01 */);
  ASSERT_FALSE(too_early.ok());
  EXPECT_NE(too_early.error().message().find("not yet valid"), std::string::npos)
      << too_early.error().message();
  // The ASK is not a root: a chain anchored at the ASK alone must not verify the ARK.
  std::vector<Certificate> ask_as_root = {m[0]};
  EXPECT_FALSE(VerifyChain(m[1], {}, ask_as_root, k2025).ok());
}

TEST(Pem, RejectsGarbage) {
  EXPECT_FALSE(CertificatesFromPem("not a certificate").ok());
  EXPECT_FALSE(
      CertificatesFromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").ok());
  EXPECT_FALSE(CertificateFromDer(Bytes{0x30, 0x03, 0x02, 0x01}).ok());
}

}  // namespace
}  // namespace skr::x509
