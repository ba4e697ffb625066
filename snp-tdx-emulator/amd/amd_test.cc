#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "libskr/base/files.h"
#include "libskr/crypto/digest.h"
#include "libskr/encoding/der.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/hcl/verify.h"
#include "libskr/snp/validate.h"
#include "libskr/snp/verify.h"
#include "libskr/testing/shared_samples.h"
#include "snp-tdx-emulator/amd/root_of_trust.h"
#include "snp-tdx-emulator/amd/snp_firmware.h"

namespace skr::emulator::amd {
namespace {

using snp::Product;

constexpr std::time_t k2026 = 1767225600;  // inside the default VCEK validity (2025 + 7 y)
constexpr std::time_t k2024 = 1704067200;  // before the default VCEK notBefore

ByteView Seed() { return AsBytes("skr-harness amd test seed"); }

// Deriving RSA-4096 keys is slow: one root of trust per product for the whole binary.
const AmdRootOfTrust& Root(Product p) {
  static std::map<Product, AmdRootOfTrust> roots;
  auto it = roots.find(p);
  if (it == roots.end()) {
    auto rot = AmdRootOfTrust::Create(Seed(), p);
    EXPECT_TRUE(rot.ok()) << rot.error().ToString();
    it = roots.emplace(p, std::move(*rot)).first;
  }
  return it->second;
}

Bytes ChipId(Product p, uint8_t fill) {
  Bytes chip(64, 0);
  std::fill(chip.begin(), chip.begin() + (p == Product::kTurin ? 8 : 64), fill);
  return chip;
}

snp::VerifyOptions Options(const AmdRootOfTrust& rot, std::time_t t = k2026) {
  return snp::VerifyOptions{{rot.ark()}, t, true};
}

Bytes ReportData(uint8_t v) { return Bytes(64, v); }

std::string RunCommand(const std::string& cmd, int* status) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) {
    *status = -1;
    return out;
  }
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof(buf), f)) out.append(buf, n);
  *status = pclose(f);
  return out;
}

// The outer signatureAlgorithm of a certificate, DER.
Bytes SigAlgOf(const x509::Certificate& cert) {
  Bytes der = cert.ToDer();
  der::Reader outer(der, "certificate");
  auto in = outer.Enter(der::kSequence, "Certificate");
  if (!in.ok()) return {};
  auto tbs = in->Next("tbsCertificate");
  auto alg = in->Expect(der::kSequence, "signatureAlgorithm");
  if (!tbs.ok() || !alg.ok()) return {};
  return der::Tlv(der::kSequence, alg->content);
}

class AmdProducts : public ::testing::TestWithParam<Product> {};

TEST_P(AmdProducts, GeneratedReportsVerifyAgainstEmulatedArk) {
  const Product p = GetParam();
  const AmdRootOfTrust& rot = Root(p);
  for (uint32_t version : {2u, 3u, 5u}) {
    snp::SnpReport t = AzureLikeReportTemplate(p, ChipId(p, 0x5A));
    t.version = version;
    if (version == 2) t.cpuid_fam_id = t.cpuid_mod_id = t.cpuid_step = 0;
    if (version == 5) t.launch_mit_vector = t.current_mit_vector = 0xB;
    auto fw = SnpFirmware::Create(rot, t);
    ASSERT_TRUE(fw.ok()) << fw.error().ToString();
    auto report = fw->GetReport(ReportData(0x42));
    ASSERT_TRUE(report.ok()) << report.error().ToString();
    ASSERT_EQ(report->size(), snp::kReportSize);
    auto v = snp::VerifyAttestation(*report, rot.Chain(fw->vcek()), Options(rot));
    ASSERT_TRUE(v.ok()) << snp::ProductName(p) << " v" << version << ": " << v.error().ToString();
    EXPECT_EQ(v->version, version);
    EXPECT_EQ(ToBytes(v->report_data), ReportData(0x42));
    EXPECT_EQ(v->launch_mit_vector, version == 5 ? 0xBu : 0u);
    // r and s little-endian, zero-extended (evidence-formats.md 1.5).
    EXPECT_TRUE(IsAllZero(ByteView(*report).subspan(0x2A0 + 48, 24)));
    EXPECT_TRUE(IsAllZero(ByteView(*report).subspan(0x2E8 + 48, 24)));
    EXPECT_TRUE(IsAllZero(ByteView(*report).subspan(0x330)));
    // Validation with Azure-like policy passes.
    snp::ValidationPolicy policy;
    policy.product = p;
    policy.vmpl = 0;
    policy.report_data = ReportData(0x42);
    EXPECT_TRUE(snp::ValidateReport(*v, policy).ok());
    // The VCEK carries the product's extension profile.
    auto ext = snp::ParseVcekExtensions(fw->vcek().cert);
    ASSERT_TRUE(ext.ok());
    EXPECT_EQ(ext->product, p);
    EXPECT_EQ(ext->struct_version, p == Product::kTurin ? 1 : 0);
    EXPECT_EQ(ext->hw_id->size(), p == Product::kTurin ? 8u : 64u);
  }
  // Another product's ARK does not verify these.
  const Product other = p == Product::kMilan ? Product::kGenoa : Product::kMilan;
  auto fw = SnpFirmware::Create(rot, AzureLikeReportTemplate(p, ChipId(p, 1)));
  ASSERT_TRUE(fw.ok());
  auto report = fw->GetReport(ReportData(1));
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(snp::VerifyAttestation(*report, rot.Chain(fw->vcek()), Options(Root(other))).ok());
}

TEST_P(AmdProducts, ChainVerifiesWithOpensslCli) {
  const Product p = GetParam();
  const AmdRootOfTrust& rot = Root(p);
  auto vcek = rot.IssueVcek(ChipId(p, 0x33), snp::TcbVersion::FromParts(p, {1, 3, 0, 8, 0x73}));
  ASSERT_TRUE(vcek.ok()) << vcek.error().ToString();
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("skr_amd_" + std::to_string(::getpid()) + "_" + std::string(snp::ProductName(p)));
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(WriteFileBytes(dir / "ark.pem", AsBytes(rot.ark().ToPem())).ok());
  ASSERT_TRUE(WriteFileBytes(dir / "ask.pem", AsBytes(rot.ask().ToPem())).ok());
  ASSERT_TRUE(WriteFileBytes(dir / "vcek.pem", AsBytes(vcek->cert.ToPem())).ok());
  auto verify = [&](std::time_t at, const std::string& ca) {
    int status = 0;
    std::string out =
        RunCommand("cd " + dir.string() + " && openssl verify -attime " + std::to_string(at) +
                       " -CAfile " + ca + " -untrusted ask.pem vcek.pem",
                   &status);
    return std::make_pair(status, out);
  };
  auto [status, out] = verify(k2026, "ark.pem");
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("vcek.pem: OK"), std::string::npos) << out;
  // Before the VCEK's notBefore.
  std::tie(status, out) = verify(k2024, "ark.pem");
  EXPECT_NE(status, 0) << out;
  // ASK as the trust anchor file without the ARK: the chain does not reach a self-signed root the
  // CLI trusts unless -partial_chain; with the real AMD Milan ARK it must fail.
  auto milan = testing::SharedFile("evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem");
  if (milan) {
    std::tie(status, out) = verify(k2026, milan->string());
    EXPECT_NE(status, 0) << out;
  }
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AllLines, AmdProducts,
                         ::testing::Values(Product::kMilan, Product::kGenoa, Product::kTurin),
                         [](const auto& info) {
                           return std::string(snp::ProductName(info.param));
                         });

// The emulated ARK/ASK follow AMD's profile: names, serials, validity, extension values.
TEST(AmdRootOfTrust, ProfileMatchesRealAmdCertificates) {
  for (const char* line : {"milan", "genoa", "turin"}) {
    auto path = testing::SharedFile(std::string("evidence-samples/trustee/amd-ca/") + line +
                                    "_ask_ark_asvk.pem");
    if (!path) GTEST_SKIP() << "amd-ca samples missing";
    auto real = x509::CertificatesFromPem(testing::ReadTextOrDie(*path));
    ASSERT_TRUE(real.ok());
    const x509::Certificate& real_ask = (*real)[0];
    const x509::Certificate& real_ark = (*real)[1];
    const x509::Certificate& real_asvk = (*real)[2];
    auto product = snp::ProductFromName(std::string(1, static_cast<char>(line[0] - 32)) +
                                        std::string(line + 1));
    ASSERT_TRUE(product.ok());
    const AmdRootOfTrust& rot = Root(*product);
    const auto asvk = rot.asvk();
    ASSERT_TRUE(asvk.ok()) << asvk.error().ToString();
    for (auto [mine, theirs] : {std::pair{&rot.ark(), &real_ark}, std::pair{&rot.ask(), &real_ask},
                                std::pair{&*asvk, &real_asvk}}) {
      EXPECT_EQ(mine->subject(), theirs->subject());
      EXPECT_EQ(mine->issuer(), theirs->issuer());
      EXPECT_EQ(mine->serial(), theirs->serial());
      EXPECT_EQ(mine->not_before(), theirs->not_before());
      EXPECT_EQ(mine->not_after(), theirs->not_after());
      EXPECT_EQ(mine->public_key().bits(), 4096u);
      EXPECT_EQ(SigAlgOf(*mine), SigAlgOf(*theirs));
      for (const char* oid : {"2.5.29.15", "2.5.29.19", "2.5.29.31"}) {
        EXPECT_EQ(mine->ExtensionValue(oid), theirs->ExtensionValue(oid)) << line << " " << oid;
      }
      EXPECT_TRUE(mine->ExtensionValue("2.5.29.14").has_value());
      EXPECT_NE(mine->Fingerprint(crypto::HashAlg::kSha256),
                theirs->Fingerprint(crypto::HashAlg::kSha256));
    }
    EXPECT_FALSE(rot.ark().ExtensionValue("2.5.29.35").has_value());
    // ASK's AKI = ARK's SKI, as in AMD's chain.
    auto aki = rot.ask().ExtensionValue("2.5.29.35");
    auto ski = rot.ark().ExtensionValue("2.5.29.14");
    ASSERT_TRUE(aki && ski);
    EXPECT_EQ(Bytes(aki->end() - 20, aki->end()), Bytes(ski->end() - 20, ski->end()));
  }
}

// A VCEK issued for a real chip id and TCB carries exactly the AMD extension values the real KDS
// VCEK has (everything but the key and signature differs only by key material).
TEST(AmdRootOfTrust, VcekExtensionsMatchRealVcek) {
  struct Case {
    const char* path;
    Product product;
  };
  for (const Case& c : {Case{"evidence-samples/trustee/snp/test-vcek.der", Product::kMilan},
                        Case{"evidence-samples/sev/vcek_turin.der", Product::kTurin}}) {
    auto path = testing::SharedFile(c.path);
    if (!path) GTEST_SKIP() << "sample missing";
    auto real = x509::CertificateFromDer(testing::ReadBytesOrDie(*path));
    ASSERT_TRUE(real.ok());
    auto ext = snp::ParseVcekExtensions(*real);
    ASSERT_TRUE(ext.ok());
    Bytes chip(64, 0);
    std::copy(ext->hw_id->begin(), ext->hw_id->end(), chip.begin());
    auto mine = Root(c.product).IssueVcek(chip, ext->Tcb(), real->not_before());
    ASSERT_TRUE(mine.ok()) << mine.error().ToString();
    for (std::string_view oid :
         {snp::kOidStructVersion, snp::kOidProductName, snp::kOidBlSpl, snp::kOidTeeSpl,
          snp::kOidSnpSpl, snp::kOidSpl4, snp::kOidSpl5, snp::kOidSpl6, snp::kOidSpl7,
          snp::kOidUcodeSpl, snp::kOidFmcSpl, snp::kOidHwId}) {
      EXPECT_EQ(mine->cert.ExtensionValue(oid), real->ExtensionValue(oid)) << c.path << " " << oid;
    }
    EXPECT_EQ(mine->cert.subject(), real->subject());
    EXPECT_EQ(mine->cert.issuer(), real->issuer());
    EXPECT_EQ(mine->cert.serial(), real->serial());
    EXPECT_EQ(mine->cert.not_before(), real->not_before());
    EXPECT_EQ(mine->cert.not_after(), real->not_after());
    // Same signature AlgorithmIdentifier bytes (Turin's has no PSS trailerField).
    EXPECT_EQ(SigAlgOf(mine->cert), SigAlgOf(*real)) << c.path;
    EXPECT_FALSE(SigAlgOf(*real).empty());
  }
}

TEST(AmdRootOfTrust, SameSeedSameBytesDifferentSeedDifferent) {
  const AmdRootOfTrust& a = Root(Product::kMilan);
  auto b = AmdRootOfTrust::Create(Seed(), Product::kMilan);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a.ark().ToDer(), b->ark().ToDer());
  EXPECT_EQ(a.ask().ToDer(), b->ask().ToDer());
  const snp::SnpReport t = AzureLikeReportTemplate(Product::kMilan, ChipId(Product::kMilan, 7));
  auto fa = SnpFirmware::Create(a, t);
  auto fb = SnpFirmware::Create(*b, t);
  ASSERT_TRUE(fa.ok() && fb.ok());
  EXPECT_EQ(fa->vcek().cert.ToDer(), fb->vcek().cert.ToDer());
  auto ra = fa->GetReport(ReportData(9));
  auto rb = fb->GetReport(ReportData(9));
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(*ra, *rb);
  EXPECT_EQ(a.ThimJson(fa->vcek()), b->ThimJson(fb->vcek()));

  auto c = AmdRootOfTrust::Create(AsBytes("another seed"), Product::kMilan);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a.ark().ToDer(), c->ark().ToDer());
  EXPECT_NE(a.ask().ToDer(), c->ask().ToDer());
  auto fc = SnpFirmware::Create(*c, t);
  ASSERT_TRUE(fc.ok());
  EXPECT_NE(fa->vcek().key.public_key().ToSpkiDer(), fc->vcek().key.public_key().ToSpkiDer());
  auto rc = fc->GetReport(ReportData(9));
  ASSERT_TRUE(rc.ok());
  EXPECT_NE(*ra, *rc);
  // Same everything but the signature region.
  EXPECT_TRUE(std::equal(ra->begin(), ra->begin() + snp::kSignedSize, rc->begin()));
  // Cross: another seed's chain does not verify this seed's report.
  EXPECT_FALSE(snp::VerifyAttestation(*ra, c->Chain(fc->vcek()), Options(*c)).ok());
  EXPECT_FALSE(snp::VerifyAttestation(*ra, a.Chain(fa->vcek()), Options(*c)).ok());
  // Another TCB or chip gives another VCEK key.
  auto other_tcb = a.IssueVcek(t.chip_id, snp::TcbVersion{t.reported_tcb.raw + 1});
  auto other_chip = a.IssueVcek(ChipId(Product::kMilan, 8), t.reported_tcb);
  ASSERT_TRUE(other_tcb.ok() && other_chip.ok());
  EXPECT_NE(other_tcb->key.public_key().ToSpkiDer(), fa->vcek().key.public_key().ToSpkiDer());
  EXPECT_NE(other_chip->key.public_key().ToSpkiDer(), fa->vcek().key.public_key().ToSpkiDer());
}

TEST(AmdRootOfTrust, ThimJsonHasAzureShape) {
  const AmdRootOfTrust& rot = Root(Product::kMilan);
  auto fw = SnpFirmware::Create(
      rot, AzureLikeReportTemplate(Product::kMilan, ChipId(Product::kMilan, 3)));
  ASSERT_TRUE(fw.ok());
  const std::string text = rot.ThimJson(fw->vcek());
  auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"vcekCert", "tcbm", "certificateChain", "cacheControl"}));
  EXPECT_EQ(j["tcbm"], "7308000000000003");
  EXPECT_EQ(j["cacheControl"], "86400");
  auto vcek = x509::CertificatesFromPem(j["vcekCert"].get<std::string>());
  ASSERT_TRUE(vcek.ok());
  ASSERT_EQ(vcek->size(), 1u);
  EXPECT_EQ((*vcek)[0].ToDer(), fw->vcek().cert.ToDer());
  auto bundle = x509::CertificatesFromPem(j["certificateChain"].get<std::string>());
  ASSERT_TRUE(bundle.ok());
  ASSERT_EQ(bundle->size(), 2u);
  EXPECT_EQ((*bundle)[0].subject_cn(), "SEV-Milan");  // ASK first, then ARK
  EXPECT_EQ((*bundle)[1].subject_cn(), "ARK-Milan");
  // A client doing what Azure clients do with it verifies the report.
  auto chain = snp::ChainFromBundle((*vcek)[0], *bundle);
  ASSERT_TRUE(chain.ok());
  auto report = fw->GetReport(ReportData(5));
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(snp::VerifyAttestation(*report, *chain, Options(rot)).ok());
}

TEST(SnpFirmware, EndToEndHclReport) {
  const AmdRootOfTrust& rot = Root(Product::kMilan);
  auto fw = SnpFirmware::Create(
      rot, AzureLikeReportTemplate(Product::kMilan, ChipId(Product::kMilan, 0xC4)));
  ASSERT_TRUE(fw.ok());
  HclGeneratorOptions o;
  o.report_type = hcl::ReportType::kSnp;
  o.header_version = 1;
  o.ak_modulus = Bytes(256, 0xA1);
  o.ek_modulus = Bytes(256, 0xE1);
  o.vm.vm_unique_id = "00000000-0000-0000-0000-000000000001";
  o.signer = fw->AsHardwareReportSigner();
  Bytes user_data(64, 0);
  for (size_t i = 0; i < 48; ++i) user_data[i] = static_cast<uint8_t>(i * 3);
  auto nv = GenerateHclReport(o, user_data);
  ASSERT_TRUE(nv.ok()) << nv.error().ToString();
  auto hcl_report = hcl::ParseHclReport(*nv);
  ASSERT_TRUE(hcl_report.ok()) << hcl_report.error().ToString();

  // VCEK chain -> report signature -> runtime-claims binding -> user data.
  auto report =
      snp::VerifyAttestation(hcl_report->HardwareReport(), rot.Chain(fw->vcek()), Options(rot));
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  ASSERT_TRUE(hcl::VerifyRuntimeClaimsBinding(*hcl_report).ok());
  auto claims = hcl::RuntimeClaims::Parse(hcl_report->runtime_claims);
  ASSERT_TRUE(claims.ok());
  auto ud = claims->UserData();
  ASSERT_TRUE(ud.ok() && ud->has_value());
  EXPECT_EQ(**ud, user_data);
  EXPECT_TRUE(claims->Key("HCLAkPub").ok());

  // Tampered claims: the binding fails, the report itself still verifies.
  hcl::HclReport tampered = *hcl_report;
  tampered.runtime_claims.back() = ' ';
  EXPECT_FALSE(hcl::VerifyRuntimeClaimsBinding(tampered).ok());
  // Tampered hardware report: its verification fails.
  Bytes hw = ToBytes(hcl_report->HardwareReport());
  hw[0x90] ^= 1;  // MEASUREMENT
  EXPECT_FALSE(snp::VerifyAttestation(hw, rot.Chain(fw->vcek()), Options(rot)).ok());
}

TEST(SnpFirmware, NegativesFailVerificationOrValidation) {
  const Product p = Product::kGenoa;
  const AmdRootOfTrust& rot = Root(p);
  snp::SnpReport t = AzureLikeReportTemplate(p, ChipId(p, 0x11));
  snp::GuestPolicy policy = *t.Policy();
  policy.debug = true;
  t.policy = policy.ToRaw();
  auto fw = SnpFirmware::Create(rot, t);
  ASSERT_TRUE(fw.ok());
  auto bytes = fw->GetReport(ReportData(2));
  ASSERT_TRUE(bytes.ok());
  // Authentic, but a debug guest: verify passes, validate refuses.
  auto report = snp::VerifyAttestation(*bytes, rot.Chain(fw->vcek()), Options(rot));
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  auto v = snp::ValidateReport(*report, snp::ValidationPolicy{});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(v.error().message().find("POLICY.DEBUG"), std::string::npos);

  // TCB floor above the emulated TCB.
  snp::ValidationPolicy floor;
  floor.allow_debug = true;
  floor.min_reported_tcb.snp = 9;
  v = snp::ValidateReport(*report, floor);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("REPORTED_TCB SNP SPL"), std::string::npos);

  // Tampered bytes in each signed region.
  for (size_t off : {size_t{0x0C0}, size_t{0x050}, size_t{0x090}, size_t{0x140}, size_t{0x1E8},
                     size_t{0x2A0}, size_t{0x2E8}}) {
    Bytes bad = *bytes;
    bad[off] ^= 0x10;
    auto r = snp::VerifyAttestation(bad, rot.Chain(fw->vcek()), Options(rot));
    ASSERT_FALSE(r.ok()) << HexOffset(off);
    EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed) << r.error().ToString();
  }

  // The firmware reports a TCB its VCEK was not issued for: the TCB-mismatch error.
  SnpFirmware stale = *fw;
  snp::TcbParts parts = stale.report_template().reported_tcb.Parts(p);
  parts.microcode++;
  stale.mutable_report_template().reported_tcb = snp::TcbVersion::FromParts(p, parts);
  auto stale_report = stale.GetReport(ReportData(2));
  ASSERT_TRUE(stale_report.ok());
  auto r = snp::VerifyAttestation(*stale_report, rot.Chain(fw->vcek()), Options(rot));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("REPORTED_TCB"), std::string::npos) << r.error().message();

  // A VCEK of another chip.
  auto other = rot.IssueVcek(ChipId(p, 0x12), t.reported_tcb);
  ASSERT_TRUE(other.ok());
  r = snp::VerifyAttestation(*bytes, rot.Chain(*other), Options(rot));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("CHIP_ID"), std::string::npos);

  // Before the VCEK is valid.
  EXPECT_FALSE(snp::VerifyAttestation(*bytes, rot.Chain(fw->vcek()), Options(rot, k2024)).ok());
}

TEST(SnpFirmware, DeriveChipIdIsDeterministicPerMachine) {
  const Bytes a = DeriveChipId(Seed(), Product::kMilan, "vm-1");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, DeriveChipId(Seed(), Product::kMilan, "vm-1"));
  EXPECT_NE(a, DeriveChipId(Seed(), Product::kMilan, "vm-2"));
  EXPECT_NE(a, DeriveChipId(AsBytes("other"), Product::kMilan, "vm-1"));
  EXPECT_FALSE(IsAllZero(ByteView(a).subspan(8)));
  const Bytes t = DeriveChipId(Seed(), Product::kTurin, "vm-1");
  EXPECT_FALSE(IsAllZero(ByteView(t).subspan(0, 8)));
  EXPECT_TRUE(IsAllZero(ByteView(t).subspan(8)));
  auto fw = SnpFirmware::Create(Root(Product::kTurin), AzureLikeReportTemplate(Product::kTurin, t));
  ASSERT_TRUE(fw.ok()) << fw.error().ToString();
}

TEST(SnpFirmware, VlekSignedReports) {
  const Product p = Product::kMilan;
  const AmdRootOfTrust& rot = Root(p);
  const std::string csp = "CN=cc-us-east-2.amazonaws.com";
  auto fw = SnpFirmware::CreateWithVlek(rot, AzureLikeReportTemplate(p, ChipId(p, 0x21)), csp);
  ASSERT_TRUE(fw.ok()) << fw.error().ToString();
  auto bytes = fw->GetReport(ReportData(4));
  ASSERT_TRUE(bytes.ok());
  auto report = snp::VerifyAttestation(*bytes, rot.Chain(fw->vcek()), Options(rot));
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->signing_key(), 1u);
  auto ext = snp::ParseVcekExtensions(fw->vcek().cert);
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(ext->csp_id, csp);
  EXPECT_FALSE(ext->hw_id.has_value());
  EXPECT_EQ(ext->product_name, "Milan");
  EXPECT_EQ(fw->vcek().cert.subject_cn(), "SEV-VLEK");
  // The KDS VLEK chain form finds the ASVK.
  auto vlek_pem = rot.VlekCertChainPem();
  ASSERT_TRUE(vlek_pem.ok());
  auto bundle = x509::CertificatesFromPem(*vlek_pem);
  ASSERT_TRUE(bundle.ok());
  auto chain = snp::ChainFromBundle(fw->vcek().cert, *bundle);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  EXPECT_EQ(chain->ask.subject_cn(), "SEV-VLEK-Milan");
  EXPECT_TRUE(snp::VerifyAttestation(*bytes, *chain, Options(rot)).ok());
  // VLEK leaf under the ASK instead of the ASVK.
  snp::CertificateChain wrong{rot.ark(), rot.ask(), fw->vcek().cert};
  EXPECT_FALSE(snp::VerifyAttestation(*bytes, wrong, Options(rot)).ok());
  // SIGNING_KEY must name the key kind: a VLEK report claiming VCEK, and "no key" (7).
  for (snp::SigningKey k : {snp::SigningKey::kVcek, snp::SigningKey::kNone}) {
    snp::SnpReport t = fw->report_template();
    t.set_key_info(false, false, k);
    auto signed_bytes = fw->SignReport(t);
    ASSERT_TRUE(signed_bytes.ok());
    auto r = snp::VerifyAttestation(*signed_bytes, rot.Chain(fw->vcek()), Options(rot));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message().find("SIGNING_KEY"), std::string::npos) << r.error().message();
  }
  // A VCEK report claiming VLEK.
  auto vcek_fw = SnpFirmware::Create(rot, AzureLikeReportTemplate(p, ChipId(p, 0x21)));
  ASSERT_TRUE(vcek_fw.ok());
  snp::SnpReport t = vcek_fw->report_template();
  t.set_key_info(false, false, snp::SigningKey::kVlek);
  auto claimed = vcek_fw->SignReport(t);
  ASSERT_TRUE(claimed.ok());
  auto r = snp::VerifyAttestation(*claimed, rot.Chain(vcek_fw->vcek()), Options(rot));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("SIGNING_KEY"), std::string::npos);
  // Create refuses a VLEK template.
  EXPECT_FALSE(SnpFirmware::Create(rot, t).ok());
}

TEST(SnpFirmware, InputErrors) {
  const AmdRootOfTrust& turin = Root(Product::kTurin);
  // Turin chip ids have 8 significant bytes.
  EXPECT_FALSE(turin.IssueVcek(Bytes(64, 1), snp::TcbVersion{}).ok());
  EXPECT_FALSE(turin.IssueVcek(Bytes(8, 1), snp::TcbVersion{}).ok());
  // A Milan template on a Turin root.
  EXPECT_FALSE(
      SnpFirmware::Create(turin, AzureLikeReportTemplate(Product::kMilan, Bytes(64, 1))).ok());
  auto fw = SnpFirmware::Create(
      turin, AzureLikeReportTemplate(Product::kTurin, ChipId(Product::kTurin, 1)));
  ASSERT_TRUE(fw.ok());
  EXPECT_FALSE(fw->GetReport(Bytes(32, 0)).ok());
  auto p256 = crypto::GenerateEcKey(crypto::Curve::kP256);
  ASSERT_TRUE(p256.ok());
  EXPECT_FALSE(SignSnpReport(fw->report_template(), *p256).ok());
  EXPECT_FALSE(AmdRootOfTrust::Create(Seed(), Product::kUnknown).ok());
}

}  // namespace
}  // namespace skr::emulator::amd
