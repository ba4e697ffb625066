#include "libskr/snp/validate.h"

#include <gtest/gtest.h>

#include <functional>

#include "libskr/testing/shared_samples.h"

namespace skr::snp {
namespace {

SnpReport AzureLike() {
  SnpReport r;
  r.version = 3;
  r.guest_svn = 7;
  r.policy = 0x3001F;
  r.cpuid_fam_id = 0x19;
  r.cpuid_mod_id = 0x01;
  r.reported_tcb = TcbVersion::FromParts(Product::kMilan, {0, 3, 0, 8, 0x73});
  r.current_tcb = TcbVersion::FromParts(Product::kMilan, {0, 3, 0, 8, 0xD2});
  r.committed_tcb = r.reported_tcb;
  r.launch_tcb = r.reported_tcb;
  r.measurement.fill(0x4D);
  r.report_id_ma.fill(0xFF);
  r.family_id[0] = 1;
  r.image_id[0] = 2;
  return r;
}

void ExpectViolation(const SnpReport& r, const ValidationPolicy& p, const std::string& field) {
  auto v = ValidateReport(r, p);
  ASSERT_FALSE(v.ok()) << field;
  EXPECT_EQ(v.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(v.error().message().find(field), std::string::npos) << v.error().message();
  EXPECT_NE(v.error().message().find("found"), std::string::npos);
  EXPECT_NE(v.error().message().find("required"), std::string::npos);
}

TEST(SnpValidate, DefaultPolicyAcceptsAzureLikeReport) {
  EXPECT_TRUE(ValidateReport(AzureLike(), ValidationPolicy{}).ok());
}

TEST(SnpValidate, RealReportPassesItsOwnValues) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/snp/test-report.bin");
  auto r = ParseSnpReport(testing::ReadBytesOrDie(path));
  ASSERT_TRUE(r.ok());
  ValidationPolicy p;
  p.product = Product::kMilan;
  p.vmpl = r->vmpl;
  p.measurement = ToBytes(r->measurement);
  p.host_data = ToBytes(r->host_data);
  p.report_data = ToBytes(r->report_data);
  p.family_id = ToBytes(r->family_id);
  p.image_id = ToBytes(r->image_id);
  p.chip_id = ToBytes(r->chip_id);
  p.trusted_id_key_digests = {Bytes(48, 0), ToBytes(r->id_key_digest)};
  p.min_guest_svn = r->guest_svn;
  p.min_reported_tcb.bootloader = r->reported_tcb.Parts(Product::kMilan).bootloader;
  p.min_reported_tcb.microcode = r->reported_tcb.Parts(Product::kMilan).microcode;
  auto v = ValidateReport(*r, p);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  p.min_reported_tcb.microcode = r->reported_tcb.Parts(Product::kMilan).microcode + 1;
  ExpectViolation(*r, p, "REPORTED_TCB microcode SPL");
}

TEST(SnpValidate, DebugMigrationSmtSingleSocket) {
  SnpReport r = AzureLike();
  r.policy |= 1ull << 19;
  ExpectViolation(r, {}, "POLICY.DEBUG");
  ValidationPolicy allow;
  allow.allow_debug = true;
  EXPECT_TRUE(ValidateReport(r, allow).ok());

  r = AzureLike();
  r.policy |= 1ull << 18;
  ExpectViolation(r, {}, "POLICY.MIGRATE_MA");

  r = AzureLike();
  ValidationPolicy no_smt;
  no_smt.allow_smt = false;
  ExpectViolation(r, no_smt, "POLICY.SMT");

  ValidationPolicy single;
  single.require_single_socket = true;
  ExpectViolation(r, single, "POLICY.SINGLE_SOCKET");

  r.policy = 0x1F;  // reserved bit 17 clear: malformed, not a policy question
  auto v = ValidateReport(r, {});
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kMalformed);
}

TEST(SnpValidate, TcbFloorsPerComponentAndField) {
  const SnpReport r = AzureLike();
  ValidationPolicy p;
  p.min_reported_tcb.snp = 8;
  p.min_reported_tcb.microcode = 0x73;
  EXPECT_TRUE(ValidateReport(r, p).ok());
  p.min_reported_tcb.snp = 9;
  ExpectViolation(r, p, "REPORTED_TCB SNP SPL");
  p = {};
  p.min_reported_tcb.bootloader = 4;
  ExpectViolation(r, p, "REPORTED_TCB bootloader SPL");
  p = {};
  p.min_reported_tcb.tee = 1;
  ExpectViolation(r, p, "REPORTED_TCB TEE SPL");
  p = {};
  p.min_current_tcb.microcode = 0xD3;
  ExpectViolation(r, p, "CURRENT_TCB microcode SPL");
  p = {};
  p.min_committed_tcb.microcode = 0x74;
  ExpectViolation(r, p, "COMMITTED_TCB microcode SPL");
  p = {};
  p.min_launch_tcb.snp = 10;
  ExpectViolation(r, p, "LAUNCH_TCB SNP SPL");
  p = {};
  p.min_current_tcb.microcode = 0xD2;
  EXPECT_TRUE(ValidateReport(r, p).ok());

  SnpReport diverged = r;
  diverged.committed_tcb.raw ^= 1;
  p = {};
  p.require_reported_equals_committed = true;
  ExpectViolation(diverged, p, "REPORTED_TCB");
  EXPECT_TRUE(ValidateReport(r, p).ok());
}

TEST(SnpValidate, TurinLayoutFromCpuidOrPolicy) {
  SnpReport r = AzureLike();
  r.cpuid_fam_id = 0x1A;
  r.cpuid_mod_id = 0x02;
  r.reported_tcb = TcbVersion::FromParts(Product::kTurin, {1, 2, 3, 4, 5});
  ValidationPolicy p;
  p.min_reported_tcb.fmc = 2;
  ExpectViolation(r, p, "REPORTED_TCB FMC SPL");
  p.min_reported_tcb.fmc = 1;
  p.min_reported_tcb.snp = 4;
  EXPECT_TRUE(ValidateReport(r, p).ok());
  // Decoded as Milan, snp would be byte 6 (= 0).
  p.product = Product::kMilan;
  ExpectViolation(r, p, "REPORTED_TCB SNP SPL");
}

TEST(SnpValidate, ExactValuesAndIdentity) {
  const SnpReport r = AzureLike();
  struct Case {
    const char* field;
    std::function<void(ValidationPolicy&)> set;
  };
  const Case cases[] = {
      {"MEASUREMENT", [](ValidationPolicy& p) { p.measurement = Bytes(48, 0x4E); }},
      {"HOST_DATA", [](ValidationPolicy& p) { p.host_data = Bytes(32, 1); }},
      {"REPORT_DATA", [](ValidationPolicy& p) { p.report_data = Bytes(64, 1); }},
      {"FAMILY_ID", [](ValidationPolicy& p) { p.family_id = Bytes(16, 0); }},
      {"IMAGE_ID", [](ValidationPolicy& p) { p.image_id = Bytes(16, 0); }},
      {"CHIP_ID", [](ValidationPolicy& p) { p.chip_id = Bytes(64, 1); }},
      {"REPORT_ID_MA", [](ValidationPolicy& p) { p.report_id_ma = Bytes(32, 0); }},
      {"ID_KEY_DIGEST", [](ValidationPolicy& p) { p.trusted_id_key_digests = {Bytes(48, 1)}; }},
      {"GUEST_SVN", [](ValidationPolicy& p) { p.min_guest_svn = 8; }},
      {"VMPL", [](ValidationPolicy& p) { p.vmpl = 1; }},
      {"AUTHOR_KEY_EN", [](ValidationPolicy& p) { p.require_author_key = true; }},
      {"POLICY.ABI_MAJOR", [](ValidationPolicy& p) { p.min_abi_major = 1; }},
      {"POLICY.ABI_MINOR",
       [](ValidationPolicy& p) {
         p.min_abi_major = 0;
         p.min_abi_minor = 0x20;
       }},
  };
  for (const Case& c : cases) {
    ValidationPolicy p;
    c.set(p);
    ExpectViolation(r, p, c.field);
  }
  // The matching values pass.
  ValidationPolicy ok;
  ok.measurement = Bytes(48, 0x4D);
  ok.report_id_ma = Bytes(32, 0xFF);
  ok.min_guest_svn = 7;
  ok.vmpl = 0;
  ok.min_abi_major = 0;
  ok.min_abi_minor = 0x1F;
  EXPECT_TRUE(ValidateReport(r, ok).ok());

  SnpReport vlek = r;
  vlek.set_key_info(true, false, SigningKey::kVlek);
  vlek.author_key_digest.fill(9);
  ValidationPolicy vcek_only;
  vcek_only.allow_vlek = false;
  ExpectViolation(vlek, vcek_only, "KEY_INFO.SIGNING_KEY");
  ValidationPolicy authors;
  authors.trusted_author_key_digests = {Bytes(48, 8)};
  ExpectViolation(vlek, authors, "AUTHOR_KEY_DIGEST");
  authors.trusted_author_key_digests.push_back(Bytes(48, 9));
  EXPECT_TRUE(ValidateReport(vlek, authors).ok());
}

}  // namespace
}  // namespace skr::snp
