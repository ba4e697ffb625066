// Issue #3 "Done when": a whole emulated Azure CVM driven with tpm2-tools and the guest's IMDS
// client, every certificate chain checked with `openssl verify`, determinism per seed, and no
// swtpm process left behind.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "client/guest_tpm.h"
#include "client/services.h"
#include "libskr/base/files.h"
#include "libskr/encoding/der.h"
#include "libskr/hcl/report.h"
#include "libskr/hcl/verify.h"
#include "libskr/snp/verify.h"
#include "libskr/tdx/abi.h"
#include "libskr/tdx/verify.h"
#include "libskr/testing/process.h"
#include "snp-tdx-emulator/cvm/emulated_cvm.h"

namespace skr::emulator::cvm {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 1795000000;  // fixed: 2026-11-18

Bytes Seed(std::string_view s) { return ToBytes(AsBytes(s)); }

using RunResult = ::skr::testing::ShellResult;
using TempDir = ::skr::testing::TempDir;

RunResult Shell(const std::string& cmd) { return ::skr::testing::RunShell(cmd); }

// tpm2-tools only, pointed at the CVM's vTPM through TPM2TOOLS_TCTI.
RunResult Tool(const EmulatedCvm& cvm, const std::string& cmd) {
  return Shell("TPM2TOOLS_TCTI='" + cvm.tcti() + "' " + cmd);
}

// Live swtpm processes whose parent is this test process.
std::vector<int> SwtpmChildren() { return ::skr::testing::SwtpmChildrenOf(::getpid()); }

std::unique_ptr<EmulatedCvm> StartCvm(const std::string& seed, CvmKind kind,
                                      CvmOptions extra = {}) {
  extra.seed = Seed(seed);
  extra.kind = kind;
  extra.now = kNow;
  auto c = EmulatedCvm::Start(std::move(extra));
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

client::ImdsClient Imds(const EmulatedCvm& cvm) {
  client::RetryPolicy p;
  p.max_attempts = 1;
  return client::ImdsClient::Create({cvm.imds_url(), std::nullopt}, p).value();
}

// The certificate at the front of a zero-padded NV image.
Result<x509::Certificate> CertFromNv(ByteView nv) {
  der::Reader r(nv, "AK certificate NV");
  SKR_ASSIGN_OR_RETURN(der::Element e, r.Next("Certificate"));
  const size_t end = static_cast<size_t>(e.content.data() + e.content.size() - nv.data());
  return x509::CertificateFromDer(nv.subspan(0, end));
}

class CvmTest : public ::testing::TestWithParam<CvmKind> {
 protected:
  void TearDown() override {
    EXPECT_TRUE(SwtpmChildren().empty()) << "an swtpm process outlived its EmulatedCvm";
  }
};

TEST_P(CvmTest, TpmToolsUserDataYieldsAVerifiedHclReportAndQuote) {
  auto cvm = StartCvm("cvm-seed", GetParam());
  ASSERT_NE(cvm, nullptr);
  TempDir tmp;
  Bytes user_data(64);
  for (size_t i = 0; i < 64; ++i) user_data[i] = static_cast<uint8_t>(0xC0 ^ (i * 7));
  ASSERT_TRUE(WriteFileBytes(tmp / "ud.bin", user_data).ok());
  RunResult w = Tool(*cvm, "tpm2_nvwrite -C o -i " + tmp / "ud.bin" + " 0x01400002");
  ASSERT_EQ(w.status, 0) << w.output;
  RunResult r = Tool(*cvm, "tpm2_nvread -C o 0x01400001 -o " + tmp / "hcl.bin");
  ASSERT_EQ(r.status, 0) << r.output;
  Bytes nv = ReadFileBytes(tmp / "hcl.bin").value();
  ASSERT_EQ(nv.size(), 2600u);

  // Runtime claims carry the user data and the vTPM's AK; REPORT_DATA binds them.
  auto report = hcl::ParseHclReport(nv);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
  ASSERT_TRUE(claims.ok()) << claims.error().ToString();
  auto ud = claims->UserData();
  ASSERT_TRUE(ud.ok() && ud->has_value());
  EXPECT_EQ(**ud, user_data);
  ASSERT_TRUE(hcl::VerifyRuntimeClaimsBinding(*report).ok());
  auto ak_jwk = claims->Key("HCLAkPub");
  ASSERT_TRUE(ak_jwk.ok());
  auto ak_pub = ak_jwk->ToPublicKey();
  ASSERT_TRUE(ak_pub.ok());
  EXPECT_TRUE(ak_pub->Equals(cvm->ak_cert().public_key())) << "AK cert certifies the HCL AK";
  EXPECT_EQ((*claims->vm_configuration())["vmUniqueId"].get<std::string>().size(), 36u);
  // A flipped claims byte breaks the binding.
  hcl::HclReport tampered = *report;
  tampered.runtime_claims[10] ^= 1;
  EXPECT_FALSE(hcl::VerifyRuntimeClaimsBinding(tampered).ok());

  client::ImdsClient imds = Imds(*cvm);
  if (IsSnp(GetParam())) {
    EXPECT_EQ(report->report_type, hcl::ReportType::kSnp);
    auto thim = imds.GetThimCertification();
    ASSERT_TRUE(thim.ok()) << thim.error().ToString();
    auto chain = thim->Chain();
    ASSERT_TRUE(chain.ok()) << chain.error().ToString();
    snp::VerifyOptions vo;
    vo.trusted_roots = {cvm->platform_root()};
    vo.time = kNow;
    auto verified = snp::VerifyAttestation(report->HardwareReport(), *chain, vo);
    ASSERT_TRUE(verified.ok()) << verified.error().ToString();
    EXPECT_EQ(ToBytes(verified->report_data), ToBytes(hcl::ReportData(*report).value()));
    Bytes flipped = ToBytes(report->HardwareReport());
    flipped[0x90] ^= 1;  // MEASUREMENT, under the signature
    EXPECT_FALSE(snp::VerifyAttestation(flipped, *chain, vo).ok());
    snp::VerifyOptions wrong_root = vo;
    wrong_root.trusted_roots = {cvm->vtpm_ca().root()};
    EXPECT_FALSE(snp::VerifyAttestation(report->HardwareReport(), *chain, wrong_root).ok());
  } else {
    EXPECT_EQ(report->report_type, hcl::ReportType::kTdx);
    ByteView td_report = report->HardwareReport().subspan(0, tdx::kTdReportSize);
    auto quote = imds.GetTdQuote(td_report);
    ASSERT_TRUE(quote.ok()) << quote.error().ToString();
    tdx::VerifyOptions vo;
    vo.trusted_roots = {cvm->platform_root()};
    vo.time = kNow;
    auto verified = tdx::VerifyQuote(*quote, vo);
    ASSERT_TRUE(verified.ok()) << verified.error().ToString();
    auto bound = tdx::VerifyHclReportAgainstQuote(*report, verified->quote);
    ASSERT_TRUE(bound.ok()) << bound.error().ToString();
    tdx::VerifyOptions wrong_root = vo;
    wrong_root.trusted_roots = {cvm->vtpm_ca().root()};
    EXPECT_FALSE(tdx::VerifyQuote(*quote, wrong_root).ok());
    // A quote of another TDREPORT does not match this HCL report.
    auto other = imds.GetTdQuote(cvm->HardwareReport(Bytes(64, 0x11)).value());
    ASSERT_TRUE(other.ok());
    auto other_v = tdx::VerifyQuote(*other, vo);
    ASSERT_TRUE(other_v.ok());
    EXPECT_FALSE(tdx::VerifyHclReportAgainstQuote(*report, other_v->quote).ok());
  }

  // TPM quote by the AK verifies with tpm2_checkquote and the AK public.
  RunResult pub = Tool(*cvm, "tpm2_readpublic -c 0x81000003 -f pem -o " + tmp / "ak.pem");
  ASSERT_EQ(pub.status, 0) << pub.output;
  auto ak_pem = crypto::PublicKeyFromPem(ReadFileText(tmp / "ak.pem").value());
  ASSERT_TRUE(ak_pem.ok());
  EXPECT_TRUE(ak_pem->Equals(*ak_pub)) << "HCLAkPub is the key at 0x81000003";
  const std::string nonce = "5a5a00112233445566778899aabbccdd";
  RunResult q =
      Tool(*cvm, "tpm2_quote -c 0x81000003 -l sha256:0,1,2,3,4,5,6,7 -q " + nonce + " -m " +
                     tmp / "msg" + " -s " + tmp / "sig" + " -o " + tmp / "pcrs" + " -g sha256");
  ASSERT_EQ(q.status, 0) << q.output;
  RunResult ok = Shell("tpm2_checkquote -u " + tmp / "ak.pem" + " -m " + tmp / "msg" + " -s " +
                       tmp / "sig" + " -f " + tmp / "pcrs" + " -g sha256 -q " + nonce);
  EXPECT_EQ(ok.status, 0) << ok.output;
  RunResult bad = Shell("tpm2_checkquote -u " + tmp / "ak.pem" + " -m " + tmp / "msg" + " -s " +
                        tmp / "sig" + " -f " + tmp / "pcrs" + " -g sha256 -q ff" + nonce.substr(2));
  EXPECT_NE(bad.status, 0) << bad.output;

  // The AK certificate in NV is the one the CVM issued.
  RunResult rc = Tool(*cvm, "tpm2_nvread -C o 0x01C101D0 -o " + tmp / "akcert.bin");
  ASSERT_EQ(rc.status, 0) << rc.output;
  auto nv_cert = CertFromNv(ReadFileBytes(tmp / "akcert.bin").value());
  ASSERT_TRUE(nv_cert.ok()) << nv_cert.error().ToString();
  EXPECT_EQ(nv_cert->ToDer(), cvm->ak_cert().ToDer());
  EXPECT_EQ(nv_cert->subject_cn(), cvm->vm_id() + ".TrustedVM.Azure.windows.net");

  cvm->Stop();
  EXPECT_TRUE(SwtpmChildren().empty());
}

// The guest library (client/GuestTpm, over ESAPI) is what consumes the CVM: fresh report for its
// user data, the AK certificate and public, an AK-certified ephemeral key.
TEST_P(CvmTest, GuestTpmGetsAFreshReportAndTheAkCertificate) {
  auto cvm = StartCvm("cvm-seed", GetParam());
  ASSERT_NE(cvm, nullptr);
  auto guest = client::GuestTpm::Open(cvm->tcti());
  ASSERT_TRUE(guest.ok()) << guest.error().ToString();
  for (uint8_t fill : {uint8_t{0x01}, uint8_t{0xFE}}) {
    const Bytes user_data(64, fill);
    auto nv = (*guest)->RequestHclReport(user_data);
    ASSERT_TRUE(nv.ok()) << nv.error().ToString();
    auto report = hcl::ParseHclReport(*nv);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(hcl::VerifyRuntimeClaimsBinding(*report).ok());
    auto ud = hcl::RuntimeClaims::Parse(report->runtime_claims)->UserData();
    ASSERT_TRUE(ud.ok() && ud->has_value());
    EXPECT_EQ(**ud, user_data);
    // The hardware report is the platform's own for this REPORT_DATA (deterministic signer).
    Bytes rd = ToBytes(hcl::ReportData(*report).value());
    Bytes hw = cvm->HardwareReport(rd).value();
    EXPECT_EQ(ToBytes(report->HardwareReport().subspan(0, hw.size())), hw);
  }
  auto cert = (*guest)->ReadAkCert();
  ASSERT_TRUE(cert.ok()) << cert.error().ToString();
  EXPECT_EQ(*cert, cvm->ak_cert().ToDer());
  auto ak = (*guest)->ReadAkPublic();
  ASSERT_TRUE(ak.ok());
  EXPECT_EQ(ak->rsa_modulus, cvm->vtpm().keys().ak.rsa_modulus);
  auto eph = (*guest)->CreateEphemeralKey();
  EXPECT_TRUE(eph.ok()) << eph.error().ToString();
}

// openssl verify on each chain, and on swapped chains (which must fail).
TEST_P(CvmTest, EveryChainVerifiesWithOpensslVerify) {
  auto cvm = StartCvm("cvm-seed", GetParam());
  ASSERT_NE(cvm, nullptr);
  TempDir tmp;
  auto write = [&](const std::string& name, const x509::Certificate& c) {
    EXPECT_TRUE(WriteFileBytes(tmp / name, AsBytes(c.ToPem())).ok());
    return tmp / name;
  };
  auto verify = [&](const std::string& root, const std::string& inter, const std::string& leaf) {
    return Shell("openssl verify -attime " + std::to_string(kNow) + " -CAfile " + root +
                 " -untrusted " + inter + " " + leaf);
  };
  std::vector<x509::Certificate> hw = cvm->platform_chain();
  ASSERT_EQ(hw.size(), 3u);
  const std::string hw_root = write("hw_root.pem", hw[0]), hw_ca = write("hw_ca.pem", hw[1]),
                    hw_leaf = write("hw_leaf.pem", hw[2]);
  const std::string tpm_root = write("tpm_root.pem", cvm->vtpm_ca().root()),
                    tpm_ca = write("tpm_ca.pem", cvm->vtpm_ca().intermediate()),
                    ak = write("ak.pem", cvm->ak_cert());
  RunResult h = verify(hw_root, hw_ca, hw_leaf);
  EXPECT_EQ(h.status, 0) << h.output;
  EXPECT_NE(h.output.find(": OK"), std::string::npos) << h.output;
  RunResult t = verify(tpm_root, tpm_ca, ak);
  EXPECT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find(": OK"), std::string::npos) << t.output;
  // Swapped roots, missing intermediate, leaf as CA: all refused.
  EXPECT_NE(verify(tpm_root, hw_ca, hw_leaf).status, 0);
  EXPECT_NE(verify(hw_root, tpm_ca, ak).status, 0);
  EXPECT_NE(verify(hw_root, hw_root, hw_leaf).status, 0);
  EXPECT_NE(verify(tpm_root, ak, ak).status, 0);
  // The THIM bundle (ASK then ARK) also verifies the VCEK.
  if (IsSnp(GetParam())) {
    auto thim = Imds(*cvm).GetThimCertification();
    ASSERT_TRUE(thim.ok());
    ASSERT_TRUE(
        WriteFileBytes(tmp / "bundle.pem", AsBytes(x509::CertificatesToPem(thim->chain))).ok());
    ASSERT_TRUE(WriteFileBytes(tmp / "vcek.pem", AsBytes(thim->vcek.ToPem())).ok());
    RunResult b = Shell("openssl verify -attime " + std::to_string(kNow) + " -CAfile " + hw_root +
                        " -untrusted " + tmp / "bundle.pem" + " " + tmp / "vcek.pem");
    EXPECT_EQ(b.status, 0) << b.output;
  }
  // Past the AK certificate's notAfter the chain is refused.
  EXPECT_NE(Shell("openssl verify -attime 2082758400 -CAfile " + tpm_root + " -untrusted " +
                  tpm_ca + " " + ak)
                .status,
            0);
}

TEST_P(CvmTest, SameSeedSameBytesOtherSeedOtherBytes) {
  const Bytes rd(64, 0x3C);
  auto a = StartCvm("cvm-seed", GetParam());
  ASSERT_NE(a, nullptr);
  std::vector<Bytes> chain_a;
  for (const auto& c : a->platform_chain()) chain_a.push_back(c.ToDer());
  const std::string ca_a = a->vtpm_ca_pem();
  const Bytes hw_a = a->HardwareReport(rd).value();
  const std::string vm_a = a->vm_id();
  auto token_a = Imds(*a).GetAccessToken("https://vault.azure.net");
  ASSERT_TRUE(token_a.ok());
  Bytes quote_a;
  if (!IsSnp(GetParam())) quote_a = Imds(*a).GetTdQuote(hw_a).value();
  // The vTPM is part of the seed too: its EK and AK (HCLEkPub, HCLAkPub), the AK certificate and
  // the HCL report at 0x01400001, read with tpm2-tools.
  TempDir tmp;
  const vtpm::VtpmKeys keys_a = a->vtpm().keys();
  const Bytes ak_cert_a = a->ak_cert().ToDer();
  ASSERT_EQ(
      Tool(*a, "tpm2_nvread -C o 0x01400001 -o " + (tmp.path() / "hcl_a.bin").string()).status, 0);
  const Bytes hcl_a = ReadFileBytes(tmp.path() / "hcl_a.bin").value();
  a->Stop();
  a.reset();

  auto b = StartCvm("cvm-seed", GetParam());
  ASSERT_NE(b, nullptr);
  std::vector<Bytes> chain_b;
  for (const auto& c : b->platform_chain()) chain_b.push_back(c.ToDer());
  EXPECT_EQ(chain_b, chain_a);
  EXPECT_EQ(b->vtpm_ca_pem(), ca_a);
  EXPECT_EQ(b->HardwareReport(rd).value(), hw_a);
  EXPECT_EQ(b->vm_id(), vm_a);
  EXPECT_EQ(Imds(*b).GetAccessToken("https://vault.azure.net").value().token, token_a->token);
  if (!IsSnp(GetParam())) {
    EXPECT_EQ(Imds(*b).GetTdQuote(hw_a).value(), quote_a);
  }
  EXPECT_EQ(b->vtpm().keys().ek.rsa_modulus, keys_a.ek.rsa_modulus);
  EXPECT_EQ(b->vtpm().keys().ak.rsa_modulus, keys_a.ak.rsa_modulus);
  EXPECT_EQ(b->ak_cert().ToDer(), ak_cert_a);
  ASSERT_EQ(
      Tool(*b, "tpm2_nvread -C o 0x01400001 -o " + (tmp.path() / "hcl_b.bin").string()).status, 0);
  EXPECT_EQ(ReadFileBytes(tmp.path() / "hcl_b.bin").value(), hcl_a);
  b.reset();

  auto c = StartCvm("other-seed", GetParam());
  ASSERT_NE(c, nullptr);
  std::vector<Bytes> chain_c;
  for (const auto& x : c->platform_chain()) chain_c.push_back(x.ToDer());
  for (size_t i = 0; i < chain_c.size(); ++i) EXPECT_NE(chain_c[i], chain_a[i]) << i;
  EXPECT_NE(c->vtpm_ca_pem(), ca_a);
  EXPECT_NE(c->HardwareReport(rd).value(), hw_a);
  EXPECT_NE(c->vm_id(), vm_a);
  EXPECT_NE(c->vtpm().keys().ek.rsa_modulus, keys_a.ek.rsa_modulus);
  EXPECT_NE(c->vtpm().keys().ak.rsa_modulus, keys_a.ak.rsa_modulus);
  ASSERT_EQ(
      Tool(*c, "tpm2_nvread -C o 0x01400001 -o " + (tmp.path() / "hcl_c.bin").string()).status, 0);
  EXPECT_NE(ReadFileBytes(tmp.path() / "hcl_c.bin").value(), hcl_a);
}

INSTANTIATE_TEST_SUITE_P(Kinds, CvmTest,
                         ::testing::Values(CvmKind::kSnpMilan, CvmKind::kSnpGenoa,
                                           CvmKind::kSnpTurin, CvmKind::kTdx),
                         [](const auto& info) {
                           std::string n(CvmKindName(info.param));
                           n.erase(std::remove(n.begin(), n.end(), '-'), n.end());
                           return n;
                         });

// VMs of one seed share the tenant, the host and the vTPM CA; the name gives each its own VM id
// and vTPM, and the same name the same ones.
TEST(CvmOptionsTest, VmNameSelectsTheVmIdAndTheVtpm) {
  CvmOptions one, two, one_again;
  one.vm_name = one_again.vm_name = "web-1";
  two.vm_name = "web-2";
  auto a = StartCvm("cvm-seed", CvmKind::kTdx, one);
  ASSERT_NE(a, nullptr);
  const std::string vm_a = a->vm_id();
  const Bytes ak_a = a->vtpm().keys().ak.rsa_modulus;
  const std::string ca_a = a->vtpm_ca_pem();
  const std::string issuer_a = a->entra_issuer();
  a.reset();
  auto b = StartCvm("cvm-seed", CvmKind::kTdx, two);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(b->vm_id(), vm_a);
  EXPECT_NE(b->vtpm().keys().ak.rsa_modulus, ak_a);
  EXPECT_EQ(b->vtpm_ca_pem(), ca_a);
  EXPECT_EQ(b->entra_issuer(), issuer_a);
  b.reset();
  auto c = StartCvm("cvm-seed", CvmKind::kTdx, one_again);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->vm_id(), vm_a);
  EXPECT_EQ(c->vtpm().keys().ak.rsa_modulus, ak_a);
}

TEST(CvmOptionsTest, LaunchParametersShowUpInTheHardwareReport) {
  CvmOptions o;
  o.snp_policy = 0x30000 | (1u << 19);  // DEBUG allowed
  std::array<uint8_t, 48> m{};
  m.fill(0xAB);
  o.measurement = m;
  std::array<uint8_t, 32> hd{};
  hd.fill(0xCD);
  o.host_data = hd;
  auto snp_cvm = StartCvm("opts", CvmKind::kSnpMilan, o);
  ASSERT_NE(snp_cvm, nullptr);
  auto parsed = snp::ParseSnpReport(snp_cvm->HardwareReport(Bytes(64, 1)).value());
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->policy, 0x30000u | (1u << 19));
  EXPECT_EQ(parsed->measurement, m);
  EXPECT_EQ(parsed->host_data, hd);
  snp_cvm.reset();

  CvmOptions t;
  t.td_attributes = 1;  // DEBUG
  std::array<uint8_t, 48> cfg{};
  cfg.fill(0x77);
  t.mr_config_id = cfg;
  auto tdx_cvm = StartCvm("opts", CvmKind::kTdx, t);
  ASSERT_NE(tdx_cvm, nullptr);
  auto td = tdx::ParseTdReport(tdx_cvm->HardwareReport(Bytes(64, 2)).value());
  ASSERT_TRUE(td.ok()) << td.error().ToString();
  EXPECT_EQ(td->td_info.attributes, 1u);
  EXPECT_EQ(ToBytes(td->td_info.mr_config_id), ToBytes(cfg));
  EXPECT_TRUE(CvmKindFromName("snp-genoa").ok());
  EXPECT_FALSE(CvmKindFromName("sgx").ok());
}

TEST(CvmLifecycle, StopLeavesNoSwtpmAndIsIdempotent) {
  auto cvm = StartCvm("life", CvmKind::kTdx);
  ASSERT_NE(cvm, nullptr);
  EXPECT_EQ(SwtpmChildren().size(), 1u) << "the CVM runs one swtpm";
  const std::string url = cvm->imds_url();
  cvm->Stop();
  EXPECT_TRUE(SwtpmChildren().empty());
  cvm->Stop();
  // IMDS is down too.
  auto h = http::Client::Create(url).value();
  EXPECT_FALSE(h.Get("/metadata/instance/compute/vmId?api-version=2019-03-11&format=text",
                     {{"Metadata", "true"}})
                   .ok());
  cvm.reset();
  EXPECT_TRUE(SwtpmChildren().empty());
}

}  // namespace
}  // namespace skr::emulator::cvm
