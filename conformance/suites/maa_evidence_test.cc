// MAA behaviour on emulated evidence: the platform flows' tokens carry claims that match the
// evidence bytes field by field, and evidence that is not authentic (another chip's VCEK, a VCEK
// for another TCB, a foreign AMD root, a flipped report byte, runtime data that the report does
// not bind) gets MAA's 400 InvalidParameter.
#include <gtest/gtest.h>

#include "client/guest_tpm.h"
#include "client/services.h"
#include "conformance/harness/stack.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/http/client.h"
#include "libskr/snp/abi.h"
#include "libskr/tdx/abi.h"
#include "snp-tdx-emulator/amd/root_of_trust.h"

namespace skr::harness {
namespace {

using emulator::cvm::CvmKind;
using nlohmann::json;

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return encoding::HexEncode(ByteView(a.data(), a.size()));
}

std::unique_ptr<EmulatedStack> Start(CvmKind kind) {
  StackOptions so;
  so.seed = 21;
  emulator::cvm::CvmOptions cvm;
  cvm.kind = kind;
  if (kind == CvmKind::kSnpMilan) {
    std::array<uint8_t, 48> m{};
    std::array<uint8_t, 32> h{};
    for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<uint8_t>(0x40 + i);
    for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(0x90 + i);
    cvm.measurement = m;
    cvm.host_data = h;
  }
  so.cvms = {cvm};
  auto s = EmulatedStack::Start(std::move(so));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

hcl::HclReport ReadHcl(emulator::cvm::EmulatedCvm& cvm) {
  auto tpm = client::GuestTpm::Open(cvm.tcti());
  EXPECT_TRUE(tpm.ok());
  auto raw = (*tpm)->ReadHclReport();
  EXPECT_TRUE(raw.ok());
  auto r = hcl::ParseHclReport(*raw);
  EXPECT_TRUE(r.ok());
  return *r;
}

TEST(MaaOnEmulatedEvidence, SevSnpVmClaimsMatchTheReportFieldByField) {
  auto stack = Start(CvmKind::kSnpMilan);
  ASSERT_TRUE(stack);
  auto client = client::SkrClient::Create(stack->ClientOptions(stack->cvm(0)));
  ASSERT_TRUE(client.ok());
  client::AttestOptions ao;
  ao.flow = client::AttestationFlow::kSevSnpVm;
  auto a = (*client)->Attest(ao);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  const json& c = a->claims;

  hcl::HclReport hcl = ReadHcl(stack->cvm(0));
  auto r = snp::ParseSnpReport(hcl.HardwareReport());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  snp::TcbParts tcb = r->reported_tcb.Parts(snp::Product::kMilan);
  EXPECT_EQ(c["x-ms-attestation-type"], "sevsnpvm");
  EXPECT_EQ(c["x-ms-sevsnpvm-launchmeasurement"], Hex(r->measurement));
  EXPECT_EQ(c["x-ms-sevsnpvm-hostdata"], Hex(r->host_data));
  EXPECT_EQ(c["x-ms-sevsnpvm-reportdata"], Hex(r->report_data));
  EXPECT_EQ(c["x-ms-sevsnpvm-idkeydigest"], Hex(r->id_key_digest));
  EXPECT_EQ(c["x-ms-sevsnpvm-authorkeydigest"], Hex(r->author_key_digest));
  EXPECT_EQ(c["x-ms-sevsnpvm-familyId"], Hex(r->family_id));
  EXPECT_EQ(c["x-ms-sevsnpvm-imageId"], Hex(r->image_id));
  EXPECT_EQ(c["x-ms-sevsnpvm-reportid"], Hex(r->report_id));
  EXPECT_EQ(c["x-ms-sevsnpvm-guestsvn"], r->guest_svn);
  EXPECT_EQ(c["x-ms-sevsnpvm-vmpl"], r->vmpl);
  EXPECT_EQ(c["x-ms-sevsnpvm-is-debuggable"], r->Policy()->debug);
  EXPECT_EQ(c["x-ms-sevsnpvm-smt-allowed"], r->Policy()->smt);
  EXPECT_EQ(c["x-ms-sevsnpvm-migration-allowed"], r->Policy()->migrate_ma);
  EXPECT_EQ(c["x-ms-sevsnpvm-bootloader-svn"], tcb.bootloader);
  EXPECT_EQ(c["x-ms-sevsnpvm-tee-svn"], tcb.tee);
  EXPECT_EQ(c["x-ms-sevsnpvm-snpfw-svn"], tcb.snp);
  EXPECT_EQ(c["x-ms-sevsnpvm-microcode-svn"], tcb.microcode);
  // x-ms-runtime is the runtime data (the HCL runtime claims) as JSON.
  EXPECT_EQ(c["x-ms-runtime"], json::parse(AsString(hcl.runtime_claims)));
  // The measurement and host data the CVM was launched with.
  EXPECT_EQ(c["x-ms-sevsnpvm-launchmeasurement"].get<std::string>().substr(0, 4), "4041");
  EXPECT_EQ(c["x-ms-sevsnpvm-hostdata"].get<std::string>().substr(0, 4), "9091");
}

TEST(MaaOnEmulatedEvidence, TdxVmClaimsMatchTheQuoteFieldByField) {
  auto stack = Start(CvmKind::kTdx);
  ASSERT_TRUE(stack);
  auto client = client::SkrClient::Create(stack->ClientOptions(stack->cvm(0)));
  ASSERT_TRUE(client.ok());
  client::AttestOptions ao;
  ao.flow = client::AttestationFlow::kTdxVm;
  auto a = (*client)->Attest(ao);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  const json& c = a->claims;

  hcl::HclReport hcl = ReadHcl(stack->cvm(0));
  auto imds = client::ImdsClient::Create({stack->cvm(0).imds_url(), std::nullopt});
  ASSERT_TRUE(imds.ok());
  auto quote_bytes = imds->GetTdQuote(hcl.HardwareReport());
  ASSERT_TRUE(quote_bytes.ok());
  auto q = tdx::ParseTdQuote(*quote_bytes);
  ASSERT_TRUE(q.ok());
  const tdx::TdQuoteBody& b = q->body;
  EXPECT_EQ(c["x-ms-attestation-type"], "tdxvm");
  EXPECT_EQ(c["tdx_mrtd"], Hex(b.mr_td));
  EXPECT_EQ(c["tdx_mrconfigid"], Hex(b.mr_config_id));
  EXPECT_EQ(c["tdx_mrowner"], Hex(b.mr_owner));
  EXPECT_EQ(c["tdx_mrownerconfig"], Hex(b.mr_owner_config));
  EXPECT_EQ(c["tdx_mrseam"], Hex(b.mr_seam));
  EXPECT_EQ(c["tdx_report_data"], Hex(b.report_data));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c["tdx_rtmr" + std::to_string(i)], Hex(b.rtmr[i]));
  EXPECT_EQ(c["tdx_td_attributes_debug"], (b.td_attributes & 1) != 0);
  EXPECT_EQ(c["x-ms-runtime"], json::parse(AsString(hcl.runtime_claims)));
}

// SevSnpVm requests built from the emulated CVM's evidence, tampered one way each.
TEST(MaaOnEmulatedEvidence, SevSnpVmInauthenticEvidenceIsInvalidParameter) {
  auto stack = Start(CvmKind::kSnpMilan);
  ASSERT_TRUE(stack);
  emulator::cvm::EmulatedCvm& cvm = stack->cvm(0);
  const hcl::HclReport hcl = ReadHcl(cvm);
  const emulator::amd::AmdRootOfTrust& amd = *cvm.amd();
  const emulator::amd::Vcek& vcek = cvm.snp_firmware()->vcek();
  auto chain_pem = [&](const x509::Certificate& leaf, const std::string& rest) {
    return leaf.ToPem() + rest;
  };
  const std::string rest = amd.CertChainPem();
  maa::SevSnpVmRequest good;
  good.snp_report = ToBytes(hcl.HardwareReport());
  good.vcek_cert_chain = chain_pem(vcek.cert, rest);
  good.runtime_data = maa::TypedData{hcl.runtime_claims, "JSON"};

  auto http = http::Client::Create(stack->maa().url(), stack->maa_ca_pem());
  ASSERT_TRUE(http.ok());
  auto post = [&](const maa::SevSnpVmRequest& r) {
    auto resp =
        http->Post("/attest/SevSnpVm?api-version=2022-08-01", {}, maa::EncodeSevSnpVmRequest(r));
    EXPECT_TRUE(resp.ok());
    return resp.ok() ? *resp : http::Response{};
  };
  ASSERT_EQ(post(good).status, 200) << post(good).body;

  Bytes other_chip(64, 0x5A);
  auto other_vcek = amd.IssueVcek(other_chip, vcek.tcb);
  ASSERT_TRUE(other_vcek.ok());
  snp::TcbParts parts = vcek.tcb.Parts(snp::Product::kMilan);
  parts.microcode = static_cast<uint8_t>(parts.microcode + 1);
  auto other_tcb =
      amd.IssueVcek(vcek.chip_id, snp::TcbVersion::FromParts(snp::Product::kMilan, parts));
  ASSERT_TRUE(other_tcb.ok());
  auto foreign =
      emulator::amd::AmdRootOfTrust::Create(AsBytes("another seed"), snp::Product::kMilan);
  ASSERT_TRUE(foreign.ok());
  auto foreign_vcek = foreign->IssueVcek(vcek.chip_id, vcek.tcb);
  ASSERT_TRUE(foreign_vcek.ok());

  struct Case {
    std::string what;
    maa::SevSnpVmRequest request;
    std::string says;
  };
  std::vector<Case> cases;
  {
    Case c{"VCEK of another chip", good, ""};
    c.request.vcek_cert_chain = chain_pem(other_vcek->cert, rest);
    cases.push_back(c);
  }
  {
    Case c{"VCEK for another TCB", good, ""};
    c.request.vcek_cert_chain = chain_pem(other_tcb->cert, rest);
    cases.push_back(c);
  }
  {
    Case c{"chain to an untrusted AMD root", good, ""};
    c.request.vcek_cert_chain = chain_pem(foreign_vcek->cert, foreign->CertChainPem());
    cases.push_back(c);
  }
  for (size_t at : {size_t{0x50}, size_t{0x90}, size_t{0x180}, size_t{0x2A0}}) {
    Case c{"flipped report byte at " + std::to_string(at), good, ""};
    c.request.snp_report[at] ^= 1;
    cases.push_back(c);
  }
  {
    Case c{"runtime data not bound by the report", good, ""};
    c.request.runtime_data->data.back() ^= 1;
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    http::Response r = post(c.request);
    EXPECT_EQ(r.status, 400) << r.body;
    json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body["error"]["code"], "InvalidParameter") << r.body;
    EXPECT_FALSE(body.contains("token"));
  }
  // The service kept serving.
  EXPECT_EQ(post(good).status, 200);
}

}  // namespace
}  // namespace skr::harness
