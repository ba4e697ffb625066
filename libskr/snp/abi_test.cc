#include "libskr/snp/abi.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/testing/shared_samples.h"

namespace skr::snp {
namespace {

Bytes HardwareReportOf(const std::filesystem::path& hcl_path) {
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hcl_path));
  EXPECT_TRUE(hcl.ok()) << hcl.error().ToString();
  if (!hcl.ok()) return {};
  return ToBytes(hcl->HardwareReport());
}

// A report with every field set to a distinct value.
SnpReport FullReport(uint32_t version) {
  SnpReport r;
  r.version = version;
  r.guest_svn = 0x1000b;
  r.policy = 0x3001F;
  for (size_t i = 0; i < 16; ++i) r.family_id[i] = static_cast<uint8_t>(0x10 + i);
  for (size_t i = 0; i < 16; ++i) r.image_id[i] = static_cast<uint8_t>(0x20 + i);
  r.vmpl = 1;
  r.current_tcb.raw = 0xDB18000000000004;
  r.platform_info = 0x25;
  r.set_key_info(true, false, SigningKey::kVlek);
  for (size_t i = 0; i < 64; ++i) r.report_data[i] = static_cast<uint8_t>(i);
  for (size_t i = 0; i < 48; ++i) r.measurement[i] = static_cast<uint8_t>(0x90 + i);
  r.host_data.fill(0xC0);
  r.id_key_digest.fill(0xE0);
  r.author_key_digest.fill(0x11);
  r.report_id.fill(0x14);
  r.report_id_ma.fill(0xFF);
  r.reported_tcb.raw = 0x7308000000000003;
  if (version >= 3) {
    r.cpuid_fam_id = 0x19;
    r.cpuid_mod_id = 0x11;
    r.cpuid_step = 0x01;
  }
  r.chip_id.fill(0xA1);
  r.committed_tcb.raw = 0x7308000000000002;
  r.current_build = 40;
  r.current_minor = 55;
  r.current_major = 1;
  r.committed_build = 29;
  r.committed_minor = 55;
  r.committed_major = 1;
  r.launch_tcb.raw = 0x7308000000000001;
  if (version >= 5) {
    r.launch_mit_vector = 0xB;
    r.current_mit_vector = 0xC;
  }
  r.signature_r.fill(0);
  r.signature_s.fill(0);
  for (size_t i = 0; i < 48; ++i) r.signature_r[i] = static_cast<uint8_t>(i + 1);
  for (size_t i = 0; i < 48; ++i) r.signature_s[i] = static_cast<uint8_t>(0x80 + i);
  return r;
}

TEST(SnpAbi, TrusteeTestReport) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/snp/test-report.bin");
  Bytes raw = testing::ReadBytesOrDie(path);
  auto r = ParseSnpReport(raw);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->policy, 0x3001Fu);
  EXPECT_EQ(r->signature_algo, 1u);
  EXPECT_EQ(r->signing_key(), 0u);
  EXPECT_FALSE(r->mask_chip_key());
  EXPECT_EQ(r->ProductFromReport(), Product::kUnknown);  // v2 has no CPUID
  EXPECT_EQ(encoding::HexEncode(ByteView(r->id_key_digest.data(), 2)), "0356");
  auto pol = r->Policy();
  ASSERT_TRUE(pol.ok());
  EXPECT_TRUE(pol->smt);
  EXPECT_FALSE(pol->debug);
  EXPECT_FALSE(pol->migrate_ma);
  EXPECT_EQ(pol->abi_minor, 0x1F);
  EXPECT_EQ(pol->ToRaw(), r->policy);
  EXPECT_EQ(SerializeSnpReport(*r), raw);
}

TEST(SnpAbi, AzureHclHardwareReports) {
  SKR_SHARED_FILE_OR_SKIP(trustee, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  SKR_SHARED_FILE_OR_SKIP(kinvolk, "evidence-samples/azure-cvm-tooling/hcl-report-snp.bin");
  struct Case {
    std::filesystem::path path;
    uint8_t current_ucode;
  };
  for (const Case& c : {Case{trustee, 0xD2}, Case{kinvolk, 0xCE}}) {
    Bytes hw = HardwareReportOf(c.path);
    auto r = ParseSnpReport(hw);
    ASSERT_TRUE(r.ok()) << c.path << ": " << r.error().ToString();
    EXPECT_EQ(r->version, 2u);
    EXPECT_EQ(r->vmpl, 0u);
    // evidence-formats.md 1.4: REPORTED_TCB lower than CURRENT_TCB on these Azure reports.
    EXPECT_EQ(r->reported_tcb.Parts(Product::kMilan).microcode, 0x73);
    EXPECT_EQ(r->current_tcb.Parts(Product::kMilan).microcode, c.current_ucode);
    EXPECT_FALSE(r->reported_tcb.HasReservedBits(Product::kMilan));
    EXPECT_EQ(SerializeSnpReport(*r), hw);
  }
}

TEST(SnpAbi, EvidenceV2IsMilanV3) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/az-snp-vtpm/evidence-v2.json");
  auto j = nlohmann::json::parse(testing::ReadTextOrDie(path));
  auto hcl_bytes = encoding::Base64DecodeAny(j["hcl_report"].get<std::string>());
  ASSERT_TRUE(hcl_bytes.ok()) << hcl_bytes.error().ToString();
  auto hcl = hcl::ParseHclReport(*hcl_bytes);
  ASSERT_TRUE(hcl.ok()) << hcl.error().ToString();
  auto r = ParseSnpReport(hcl->HardwareReport());
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->version, 3u);
  EXPECT_EQ(r->cpuid_fam_id, 0x19);
  EXPECT_EQ(r->ProductFromReport(), Product::kMilan);
  EXPECT_EQ(r->current_major, 1);
  EXPECT_EQ(r->current_minor, 55);
  EXPECT_EQ(r->current_build, 29);
  EXPECT_EQ(SerializeSnpReport(*r), ToBytes(hcl->HardwareReport()));
}

TEST(SnpAbi, RoundTripEveryFieldAllVersions) {
  for (uint32_t v : {2u, 3u, 5u}) {
    SnpReport r = FullReport(v);
    Bytes b = SerializeSnpReport(r);
    ASSERT_EQ(b.size(), kReportSize);
    auto p = ParseSnpReport(b);
    ASSERT_TRUE(p.ok()) << "v" << v << ": " << p.error().ToString();
    EXPECT_EQ(*p, r) << "v" << v;
    EXPECT_EQ(SerializeSnpReport(*p), b);
  }
  // Spot-check offsets against evidence-formats.md 1.1.
  Bytes b = SerializeSnpReport(FullReport(5));
  EXPECT_EQ(b[0x000], 5);
  EXPECT_EQ(b[0x010], 0x10);
  EXPECT_EQ(b[0x048], 0x5);  // AUTHOR_KEY_EN | SIGNING_KEY=1
  EXPECT_EQ(b[0x050 + 63], 63);
  EXPECT_EQ(b[0x180], 0x03);
  EXPECT_EQ(b[0x187], 0x73);
  EXPECT_EQ(b[0x189], 0x11);
  EXPECT_EQ(b[0x1E8], 40);
  EXPECT_EQ(b[0x1EE], 1);
  EXPECT_EQ(b[0x1F8], 0xB);
  EXPECT_EQ(b[0x200], 0xC);
  EXPECT_EQ(b[0x2A0], 1);
  EXPECT_EQ(b[0x2E8], 0x80);
  EXPECT_EQ(ProductFromCpuid(0x19, 0x11), Product::kGenoa);
}

TEST(SnpAbi, VersionFourReadsAsThree) {
  SnpReport r = FullReport(3);
  r.version = 4;
  auto p = ParseSnpReport(SerializeSnpReport(r));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->cpuid_mod_id, 0x11);
}

TEST(SnpAbi, RejectsUnsupportedVersions) {
  for (uint32_t v : {0u, 1u, 6u, 0xFFFFFFFFu}) {
    SnpReport r = FullReport(2);
    r.version = v;
    auto p = ParseSnpReport(SerializeSnpReport(r));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(p.error().message().find("VERSION"), std::string::npos) << p.error().message();
  }
}

TEST(SnpAbi, TruncationAtEveryFieldBoundaryAndTrailingBytes) {
  Bytes b = SerializeSnpReport(FullReport(5));
  for (const FieldSpan& f : ReportFields()) {
    auto p = ParseSnpReport(ByteView(b).subspan(0, f.offset));
    ASSERT_FALSE(p.ok()) << f.name;
    EXPECT_EQ(p.error().code(), ErrorCode::kMalformed);
    EXPECT_NE(p.error().message().find(std::string(f.name)), std::string::npos)
        << p.error().message();
    // One byte into the field.
    auto q = ParseSnpReport(ByteView(b).subspan(0, f.offset + 1));
    ASSERT_FALSE(q.ok()) << f.name;
  }
  Bytes longer = b;
  longer.push_back(0);
  auto p = ParseSnpReport(longer);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("trailing"), std::string::npos);
}

TEST(SnpAbi, ReservedRangesMustBeZero) {
  struct Case {
    uint32_t version;
    size_t offset;
    bool ok;
  };
  const Case cases[] = {
      {2, 0x04C, false}, {2, 0x04F, false}, {2, 0x188, false},  // CPUID is reserved in v2
      {3, 0x188, true},  {3, 0x18B, false}, {3, 0x19F, false}, {3, 0x1EB, false},
      {3, 0x1EF, false}, {3, 0x1F8, false},  // MIT vectors are reserved before v5
      {5, 0x1F8, true},  {5, 0x207, true},  {5, 0x208, false}, {5, 0x29F, false},
      {5, 0x330, false}, {5, 0x49F, false},
  };
  for (const Case& c : cases) {
    SnpReport r = FullReport(c.version);
    if (c.version == 3) r.cpuid_fam_id = 0;  // let the test byte decide
    Bytes b = SerializeSnpReport(r);
    b[c.offset] ^= 0x40;
    auto p = ParseSnpReport(b);
    EXPECT_EQ(p.ok(), c.ok) << "v" << c.version << " offset " << HexOffset(c.offset);
    if (!p.ok()) {
      EXPECT_EQ(p.error().code(), ErrorCode::kMalformed);
      EXPECT_NE(p.error().message().find(HexOffset(c.offset)), std::string::npos)
          << p.error().message();
    }
  }
}

TEST(SnpAbi, KeyInfoAndPolicyReservedBits) {
  SnpReport r = FullReport(3);
  r.key_info = 1u << 5;
  auto p = ParseSnpReport(SerializeSnpReport(r));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("KEY_INFO"), std::string::npos);

  r = FullReport(3);
  r.policy = 0x1F;  // bit 17 clear
  p = ParseSnpReport(SerializeSnpReport(r));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("bit 17"), std::string::npos) << p.error().message();

  r.policy = 0x3001F | (1ull << 26);
  p = ParseSnpReport(SerializeSnpReport(r));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("63:26"), std::string::npos);
}

TEST(SnpAbi, PolicyAndPlatformInfoBits) {
  auto p = GuestPolicy::FromRaw(0xB0000);  // go-sev-guest's debug test policy
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->debug);
  EXPECT_TRUE(p->smt);
  EXPECT_FALSE(p->migrate_ma);
  GuestPolicy all;
  all.smt = all.migrate_ma = all.debug = all.single_socket = all.cxl_allow = true;
  all.mem_aes_256_xts = all.rapl_dis = all.ciphertext_hiding_dram = all.page_swap_disable = true;
  EXPECT_EQ(all.ToRaw(), 0x3FF0000u);
  auto back = GuestPolicy::FromRaw(all.ToRaw());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->page_swap_disable);
  EXPECT_TRUE(back->migrate_ma);

  PlatformInfo pi = PlatformInfo::FromRaw(0x25);  // Azure Milan 2025
  EXPECT_TRUE(pi.smt_en);
  EXPECT_FALSE(pi.tsme_en);
  EXPECT_TRUE(pi.ecc_en);
  EXPECT_TRUE(pi.alias_check_complete);
  EXPECT_FALSE(pi.tio_en);
  EXPECT_EQ(pi.ToRaw(), 0x25u);
  EXPECT_EQ(PlatformInfo::FromRaw(0x80).ToRaw(), 0x80u);
}

TEST(SnpAbi, TcbVersionLayouts) {
  // evidence-formats.md 1.4: "7308000000000003" = ucode 0x73, snp 8, bl 3 (Milan/Genoa).
  TcbVersion t{0x7308000000000003};
  EXPECT_EQ(t.Tcbm(), "7308000000000003");
  TcbParts m = t.Parts(Product::kMilan);
  EXPECT_EQ(m.bootloader, 3);
  EXPECT_EQ(m.tee, 0);
  EXPECT_EQ(m.snp, 8);
  EXPECT_EQ(m.microcode, 0x73);
  EXPECT_EQ(TcbVersion::FromParts(Product::kGenoa, m), t);
  TcbParts turin{.fmc = 1, .bootloader = 2, .tee = 3, .snp = 4, .microcode = 5};
  TcbVersion tt = TcbVersion::FromParts(Product::kTurin, turin);
  EXPECT_EQ(tt.raw, 0x0500000004030201u);
  EXPECT_EQ(tt.Parts(Product::kTurin), turin);
  EXPECT_FALSE(tt.HasReservedBits(Product::kTurin));
  EXPECT_TRUE(tt.HasReservedBits(Product::kMilan));  // byte 2 set: reserved in legacy layout
  EXPECT_EQ(TcbVersion{0xDB18000000000004}.Tcbm(), "DB18000000000004");
}

TEST(SnpAbi, ProductDetection) {
  EXPECT_EQ(ProductFromCpuid(0x19, 0x01), Product::kMilan);
  EXPECT_EQ(ProductFromCpuid(0x19, 0x0F), Product::kMilan);
  EXPECT_EQ(ProductFromCpuid(0x19, 0x10), Product::kGenoa);
  EXPECT_EQ(ProductFromCpuid(0x19, 0xA0), Product::kGenoa);
  EXPECT_EQ(ProductFromCpuid(0x19, 0x20), Product::kUnknown);
  EXPECT_EQ(ProductFromCpuid(0x1A, 0x00), Product::kTurin);
  EXPECT_EQ(ProductFromCpuid(0x1A, 0x11), Product::kTurin);
  EXPECT_EQ(ProductFromCpuid(0x1A, 0x50), Product::kUnknown);  // Venice: not supported
  EXPECT_EQ(ProductFromCpuid(0x17, 0x01), Product::kUnknown);
  EXPECT_EQ(*ProductFromName("Milan-B0"), Product::kMilan);
  EXPECT_EQ(*ProductFromName("Genoa"), Product::kGenoa);
  EXPECT_EQ(*ProductFromName("Turin"), Product::kTurin);
  EXPECT_FALSE(ProductFromName("Rome").ok());
}

}  // namespace
}  // namespace skr::snp
