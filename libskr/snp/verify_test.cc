#include "libskr/snp/verify.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libskr/encoding/der.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/hcl/verify.h"
#include "libskr/snp/validate.h"
#include "libskr/testing/shared_samples.h"
#include "libskr/x509/builder.h"

namespace skr::snp {
namespace {

constexpr std::time_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z: inside every sample VCEK
constexpr std::time_t k2022 = 1640995200;  // 2022-01-01: before the Milan VCEKs were issued
constexpr std::time_t k2026 = 1767225600;  // 2026-01-01: evidence-v2's VCEK is from 2025-01-28
constexpr std::time_t k2050 = 2524608000;  // after the ARKs expire

std::vector<x509::Certificate> Bundle(const std::string& product) {
  auto path =
      testing::SharedFile("evidence-samples/trustee/amd-ca/" + product + "_ask_ark_asvk.pem");
  if (!path) return {};
  auto certs = x509::CertificatesFromPem(testing::ReadTextOrDie(*path));
  EXPECT_TRUE(certs.ok()) << certs.error().ToString();
  return certs.ok() ? *certs : std::vector<x509::Certificate>{};
}

x509::Certificate ArkOf(const std::vector<x509::Certificate>& bundle) {
  for (const auto& c : bundle) {
    if (c.subject_cn().rfind("ARK-", 0) == 0) return c;
  }
  ADD_FAILURE() << "no ARK in bundle";
  return bundle.front();
}

// A real report with its real VCEK and the Milan chain.
struct Evidence {
  Bytes report;
  CertificateChain chain;
  x509::Certificate milan_ark;
};

std::optional<Evidence> TrusteeBare() {
  auto rp = testing::SharedFile("evidence-samples/trustee/snp/test-report.bin");
  auto vp = testing::SharedFile("evidence-samples/trustee/snp/test-vcek.der");
  auto milan = Bundle("milan");
  if (!rp || !vp || milan.empty()) return std::nullopt;
  auto vcek = x509::CertificateFromDer(testing::ReadBytesOrDie(*vp));
  EXPECT_TRUE(vcek.ok());
  auto chain = ChainFromBundle(*vcek, milan);
  EXPECT_TRUE(chain.ok()) << chain.error().ToString();
  return Evidence{testing::ReadBytesOrDie(*rp), *chain, ArkOf(milan)};
}

#define EVIDENCE_OR_SKIP(var, expr)                                       \
  auto var##_opt = (expr);                                                \
  if (!var##_opt) GTEST_SKIP() << "evidence samples missing (../shared)"; \
  Evidence& var = *var##_opt

VerifyOptions Options(const x509::Certificate& root, std::time_t t = k2025) {
  return VerifyOptions{{root}, t, true};
}

TEST(SnpVerify, TrusteeBareReportWithMilanChain) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  auto r = VerifyAttestation(ev.report, ev.chain, Options(ev.milan_ark));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->version, 2u);
  // Same ARK pinned by fingerprint (evidence-formats.md 1.6).
  EXPECT_EQ(encoding::HexEncode(ev.milan_ark.Fingerprint(crypto::HashAlg::kSha256)),
            "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd");
  auto ext = ParseVcekExtensions(ev.chain.vcek);
  ASSERT_TRUE(ext.ok()) << ext.error().ToString();
  EXPECT_EQ(ext->product_name, "Milan-B0");
  EXPECT_EQ(ext->product, Product::kMilan);
  EXPECT_EQ(ext->struct_version, 0);
  EXPECT_FALSE(ext->has_fmc_spl);
  ASSERT_TRUE(ext->hw_id.has_value());
  EXPECT_EQ(ext->hw_id->size(), 64u);
  EXPECT_EQ(ext->Tcb(), r->reported_tcb);
}

TEST(SnpVerify, AzureHclReportWithVcekPem) {
  SKR_SHARED_FILE_OR_SKIP(hp, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  SKR_SHARED_FILE_OR_SKIP(vp, "evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  auto milan = Bundle("milan");
  ASSERT_FALSE(milan.empty());
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hp));
  ASSERT_TRUE(hcl.ok());
  auto certs = x509::CertificatesFromPem(testing::ReadTextOrDie(vp));
  ASSERT_TRUE(certs.ok());
  ASSERT_EQ(certs->size(), 3u);  // VCEK, ASK, ARK
  auto chain = ChainFromBundle((*certs)[0], *certs);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  auto r = VerifyAttestation(hcl->HardwareReport(), *chain, Options(ArkOf(milan)));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->reported_tcb.Parts(Product::kMilan).microcode, 0x73);
  EXPECT_TRUE(hcl::VerifyRuntimeClaimsBinding(*hcl).ok());
  // Azure's default: no debug, no migration agent, VMPL 0.
  ValidationPolicy policy;
  policy.vmpl = 0;
  policy.min_reported_tcb.microcode = 0x73;
  EXPECT_TRUE(ValidateReport(*r, policy).ok());
}

TEST(SnpVerify, EvidenceV2SelfContained) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/az-snp-vtpm/evidence-v2.json");
  auto milan = Bundle("milan");
  ASSERT_FALSE(milan.empty());
  auto j = nlohmann::json::parse(testing::ReadTextOrDie(path));
  auto hcl_bytes = encoding::Base64DecodeAny(j["hcl_report"].get<std::string>());
  auto vcek_der = encoding::Base64DecodeAny(j["vcek"].get<std::string>());
  ASSERT_TRUE(hcl_bytes.ok() && vcek_der.ok());
  auto hcl = hcl::ParseHclReport(*hcl_bytes);
  ASSERT_TRUE(hcl.ok());
  auto vcek = x509::CertificateFromDer(*vcek_der);
  ASSERT_TRUE(vcek.ok());
  auto chain = ChainFromBundle(*vcek, milan);
  ASSERT_TRUE(chain.ok());
  auto r = VerifyAttestation(hcl->HardwareReport(), *chain, Options(ArkOf(milan), k2026));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->version, 3u);
  EXPECT_FALSE(VerifyAttestation(hcl->HardwareReport(), *chain, Options(ArkOf(milan))).ok());
  EXPECT_TRUE(hcl::VerifyRuntimeClaimsBinding(*hcl).ok());
}

TEST(SnpVerify, TurinVcekExtensionsAndChain) {
  SKR_SHARED_FILE_OR_SKIP(vp, "evidence-samples/sev/vcek_turin.der");
  auto turin = Bundle("turin");
  ASSERT_FALSE(turin.empty());
  auto vcek = x509::CertificateFromDer(testing::ReadBytesOrDie(vp));
  ASSERT_TRUE(vcek.ok());
  auto ext = ParseVcekExtensions(*vcek);
  ASSERT_TRUE(ext.ok()) << ext.error().ToString();
  EXPECT_EQ(ext->struct_version, 1);
  EXPECT_EQ(ext->product_name, "Turin");
  EXPECT_EQ(ext->product, Product::kTurin);
  EXPECT_TRUE(ext->has_fmc_spl);
  ASSERT_TRUE(ext->hw_id.has_value());
  EXPECT_EQ(ext->hw_id->size(), 8u);
  EXPECT_FALSE(vcek->ExtensionValue(kOidSpl4).has_value());  // Turin VCEK has no .3.4
  auto chain = ChainFromBundle(*vcek, turin);
  ASSERT_TRUE(chain.ok());
  auto v = VerifyVcekChain(*chain, std::vector{ArkOf(turin)}, k2025);
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(v->tcb, ext->tcb);
  // Its TCB in the Turin layout round-trips.
  EXPECT_EQ(ext->Tcb().Parts(Product::kTurin), ext->tcb);
  // Wrong generation: Turin VCEK against the Milan chain.
  auto milan = Bundle("milan");
  auto wrong = ChainFromBundle(*vcek, milan);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(VerifyVcekChain(*wrong, std::vector{ArkOf(milan)}, k2025).ok());
}

TEST(SnpVerify, AmdArkAskChainsSelfVerify) {
  for (const char* product : {"milan", "genoa", "turin"}) {
    auto bundle = Bundle(product);
    if (bundle.empty()) GTEST_SKIP() << "amd-ca samples missing";
    ASSERT_EQ(bundle.size(), 3u);  // ASK, ARK, ASVK
    x509::Certificate ark = ArkOf(bundle);
    const x509::Certificate roots[] = {ark};
    EXPECT_TRUE(x509::VerifyChain(ark, {}, roots, k2025).ok()) << product;
    for (const auto& c : bundle) {
      auto v = x509::VerifyChain(c, {}, roots, k2025);
      EXPECT_TRUE(v.ok()) << product << " " << c.subject_cn() << ": " << v.error().ToString();
    }
    // ARK of another generation does not sign this ASK.
    auto other = Bundle(std::string(product) == "milan" ? "genoa" : "milan");
    const x509::Certificate other_roots[] = {ArkOf(other)};
    EXPECT_FALSE(x509::VerifyChain(bundle[0], {}, other_roots, k2025).ok()) << product;
  }
}

TEST(SnpVerify, FlippedByteInEverySignedFieldFails) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  for (const FieldSpan& f : ReportFields()) {
    if (f.offset >= kSignedSize) continue;
    for (size_t off : {f.offset, f.offset + f.size - 1}) {
      Bytes bad = ev.report;
      bad[off] ^= 0x01;
      auto r = VerifyAttestation(bad, ev.chain, Options(ev.milan_ark));
      ASSERT_FALSE(r.ok()) << f.name << " at " << HexOffset(off);
      // Reserved-bit flips are caught by the parser, the rest by the binding or the signature.
      EXPECT_TRUE(r.error().code() == ErrorCode::kVerificationFailed ||
                  r.error().code() == ErrorCode::kMalformed ||
                  r.error().code() == ErrorCode::kUnsupported)
          << r.error().ToString();
    }
  }
  // Every single byte of the signed region, against the signature alone.
  const crypto::PublicKey key = ev.chain.vcek.public_key();
  ASSERT_TRUE(VerifyReportSignature(ev.report, key).ok());
  for (size_t off = 0; off < kSignedSize; ++off) {
    if (off >= 0x34 && off < 0x38) continue;  // SIGNATURE_ALGO: Unsupported, checked below
    Bytes bad = ev.report;
    bad[off] ^= 0x80;
    auto v = VerifyReportSignature(bad, key);
    ASSERT_FALSE(v.ok()) << HexOffset(off);
    EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed) << HexOffset(off);
  }
  Bytes bad = ev.report;
  bad[0x34] = 2;
  auto v = VerifyReportSignature(bad, key);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message().find("SIGNATURE_ALGO"), std::string::npos);
}

TEST(SnpVerify, SpecificFieldsFailForTheRightReason) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  struct Case {
    size_t offset;
    const char* expect;  // substring of the error
  };
  const Case cases[] = {
      {0x000, "CPUID"},         // header: version 2 -> 3 parses; CPUID 0/0 is not the VCEK's Milan
      {0x050, "signature"},     // REPORT_DATA
      {0x090, "signature"},     // MEASUREMENT
      {0x038, "signature"},     // CURRENT_TCB is signed but not bound to the VCEK
      {0x180, "REPORTED_TCB"},  // TCB mismatch is reported before the signature
      {0x187, "REPORTED_TCB"},  // microcode byte
      {0x1A0, "CHIP_ID"},       // chip id
      {0x1DF, "CHIP_ID"},      {0x1E0, "signature"},  // COMMITTED_TCB
      {0x2A0, "signature"},                           // SIGNATURE.R
      {0x2E8, "signature"},                           // SIGNATURE.S
  };
  for (const Case& c : cases) {
    Bytes bad = ev.report;
    bad[c.offset] ^= (c.offset == 0 ? 0x01 : 0x02);
    auto r = VerifyAttestation(bad, ev.chain, Options(ev.milan_ark));
    ASSERT_FALSE(r.ok()) << HexOffset(c.offset);
    if (c.offset != 0) {
      EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed) << r.error().ToString();
    }
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos)
        << HexOffset(c.offset) << ": " << r.error().ToString();
  }
}

TEST(SnpVerify, SignatureEncodingErrors) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  const crypto::PublicKey key = ev.chain.vcek.public_key();
  for (size_t off : {size_t{0x2A0 + 48}, size_t{0x2A0 + 71}, size_t{0x2E8 + 48}}) {
    Bytes bad = ev.report;
    bad[off] = 1;  // zero-extension bytes of r/s must be zero
    auto v = VerifyReportSignature(bad, key);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error().code(), ErrorCode::kMalformed) << v.error().ToString();
  }
  Bytes bad = ev.report;
  bad[0x330] = 1;  // signature reserved area
  auto r = VerifyAttestation(bad, ev.chain, Options(ev.milan_ark));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
  // All-zero signature.
  bad = ev.report;
  std::fill(bad.begin() + 0x2A0, bad.begin() + 0x330, 0);
  EXPECT_FALSE(VerifyReportSignature(bad, key).ok());
  // Another P-384 key.
  auto other = crypto::GenerateEcKey(crypto::Curve::kP384);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyReportSignature(ev.report, other->public_key()).ok());
  // Not P-384.
  auto p256 = crypto::GenerateEcKey(crypto::Curve::kP256);
  ASSERT_TRUE(p256.ok());
  auto v = VerifyReportSignature(ev.report, p256->public_key());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
}

TEST(SnpVerify, TruncatedReportAtEveryBoundary) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  for (const FieldSpan& f : ReportFields()) {
    auto r = VerifyAttestation(ByteView(ev.report).subspan(0, f.offset), ev.chain,
                               Options(ev.milan_ark));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
    EXPECT_FALSE(
        VerifyReportSignature(ByteView(ev.report).subspan(0, f.offset), ev.chain.vcek.public_key())
            .ok());
  }
}

TEST(SnpVerify, ChainNegatives) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  auto genoa = Bundle("genoa");
  ASSERT_FALSE(genoa.empty());
  const x509::Certificate genoa_ark = ArkOf(genoa);

  // Swapped chain: the ASK as leaf (it chains to the ARK, but is no VCEK).
  CertificateChain swapped{ev.chain.ark, ev.chain.vcek, ev.chain.ask};
  auto r = VerifyAttestation(ev.report, swapped, Options(ev.milan_ark));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(r.error().message().find("P-384"), std::string::npos) << r.error().message();

  // ARK in the ASK slot (go-sev-guest's "bad roots").
  CertificateChain ark_as_ask{ev.chain.ark, ev.chain.ark, ev.chain.vcek};
  EXPECT_FALSE(VerifyAttestation(ev.report, ark_as_ask, Options(ev.milan_ark)).ok());

  // Wrong root pinned: Genoa ARK for a Milan VCEK.
  r = VerifyAttestation(ev.report, ev.chain, Options(genoa_ark));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not one of the 1 trusted roots"), std::string::npos)
      << r.error().message();

  // Genoa ARK/ASK presented and pinned, Milan VCEK: the chain itself fails.
  auto genoa_chain = ChainFromBundle(ev.chain.vcek, genoa);
  ASSERT_TRUE(genoa_chain.ok());
  r = VerifyAttestation(ev.report, *genoa_chain, Options(genoa_ark));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("ARK -> ASK -> VCEK"), std::string::npos)
      << r.error().message();

  // No roots at all.
  EXPECT_FALSE(VerifyAttestation(ev.report, ev.chain, VerifyOptions{{}, k2025, true}).ok());

  // Outside the validity period.
  EXPECT_FALSE(VerifyAttestation(ev.report, ev.chain, Options(ev.milan_ark, k2022)).ok());
  EXPECT_FALSE(VerifyAttestation(ev.report, ev.chain, Options(ev.milan_ark, k2050)).ok());

  // A bundle without an ASK.
  const x509::Certificate only_ark[] = {ev.chain.ark};
  EXPECT_FALSE(ChainFromBundle(ev.chain.vcek, only_ark).ok());
}

TEST(SnpVerify, VcekOfAnotherTcbOrChip) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  auto report = ParseSnpReport(ev.report);
  ASSERT_TRUE(report.ok());
  auto ext = ParseVcekExtensions(ev.chain.vcek);
  ASSERT_TRUE(ext.ok());
  ASSERT_TRUE(VerifyReportMatchesVcek(*report, *ext).ok());

  // The report's REPORTED_TCB one microcode step higher than the VCEK's: the TCB error, not the
  // signature error, because the binding is checked first.
  SnpReport higher = *report;
  TcbParts p = higher.reported_tcb.Parts(Product::kMilan);
  p.microcode++;
  higher.reported_tcb = TcbVersion::FromParts(Product::kMilan, p);
  auto r = VerifyAttestation(SerializeSnpReport(higher), ev.chain, Options(ev.milan_ark));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(r.error().message().find("REPORTED_TCB"), std::string::npos) << r.error().message();
  EXPECT_EQ(r.error().message().find("signature"), std::string::npos) << r.error().message();

  // The VCEK's extensions for another TCB (each component).
  for (int component = 0; component < 4; ++component) {
    VcekExtensions other = *ext;
    uint8_t* field[] = {&other.tcb.bootloader, &other.tcb.tee, &other.tcb.snp,
                        &other.tcb.microcode};
    (*field[component])++;
    auto m = VerifyReportMatchesVcek(*report, other);
    ASSERT_FALSE(m.ok()) << component;
    EXPECT_NE(m.error().message().find("REPORTED_TCB"), std::string::npos);
  }

  // Another chip.
  VcekExtensions other_chip = *ext;
  (*other_chip.hw_id)[5] ^= 1;
  auto m = VerifyReportMatchesVcek(*report, other_chip);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("CHIP_ID"), std::string::npos);
  EXPECT_TRUE(VerifyReportMatchesVcek(*report, other_chip, /*check_chip_id=*/false).ok());
  SnpReport masked = *report;
  masked.set_key_info(false, true, SigningKey::kVcek);
  EXPECT_TRUE(VerifyReportMatchesVcek(masked, other_chip).ok());

  // v3 report whose CPUID names Genoa against a Milan VCEK.
  SnpReport genoa = *report;
  genoa.version = 3;
  genoa.cpuid_fam_id = 0x19;
  genoa.cpuid_mod_id = 0x11;
  m = VerifyReportMatchesVcek(genoa, *ext);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("Genoa"), std::string::npos);
}

TEST(SnpVerify, VcekExtensionsRejectNonVcek) {
  EVIDENCE_OR_SKIP(ev, TrusteeBare());
  auto e = ParseVcekExtensions(ev.chain.ask);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("productName"), std::string::npos);
}

}  // namespace
}  // namespace skr::snp

namespace skr::snp {
namespace {

// VCEK-shaped certificates from the x509 builder, for the extension parser's edge cases.
Result<x509::Certificate> FakeVcek(std::vector<x509::Extension> ext) {
  auto key = crypto::GenerateEcKey(crypto::Curve::kP384);
  if (!key.ok()) return key.error();
  x509::CertificateSpec spec;
  spec.subject = spec.issuer = {{"CN", "SEV-VCEK"}};
  spec.not_before = k2025;
  spec.not_after = k2026;
  spec.subject_key = key->public_key();
  spec.extensions = std::move(ext);
  return x509::SignCertificate(spec, *key, x509::SignatureAlgorithm::kEcdsaSha384);
}

std::vector<x509::Extension> MilanExtensions(Bytes hw_id_value) {
  return {{std::string(kOidStructVersion), false, der::Integer(0)},
          {std::string(kOidProductName), false, der::Ia5String("Milan-B0")},
          {std::string(kOidBlSpl), false, der::Integer(3)},
          {std::string(kOidTeeSpl), false, der::Integer(0)},
          {std::string(kOidSnpSpl), false, der::Integer(8)},
          {std::string(kOidUcodeSpl), false, der::Integer(0xDB)},
          {std::string(kOidHwId), false, std::move(hw_id_value)}};
}

TEST(SnpVcekExtensions, HwIdRawOrWrappedAndErrors) {
  const Bytes chip(64, 0xC1);
  for (const Bytes& value : {chip, der::OctetString(chip)}) {
    auto cert = FakeVcek(MilanExtensions(value));
    ASSERT_TRUE(cert.ok()) << cert.error().ToString();
    auto ext = ParseVcekExtensions(*cert);
    ASSERT_TRUE(ext.ok()) << ext.error().ToString();
    EXPECT_EQ(*ext->hw_id, chip);
    EXPECT_EQ(ext->tcb.microcode, 0xDB);  // encoded with a sign byte: 02 02 00 DB
    EXPECT_EQ(ext->Tcb().Tcbm(), "DB08000000000003");
  }
  // hwID of the wrong size.
  auto cert = FakeVcek(MilanExtensions(Bytes(63, 1)));
  ASSERT_TRUE(cert.ok());
  auto ext = ParseVcekExtensions(*cert);
  ASSERT_FALSE(ext.ok());
  EXPECT_NE(ext.error().message().find("hwID"), std::string::npos);
  // SPL out of range, SPL of the wrong type, SPL missing.
  auto exts = MilanExtensions(chip);
  exts[5].value = der::Integer(256);
  ext = ParseVcekExtensions(*FakeVcek(exts));
  ASSERT_FALSE(ext.ok());
  EXPECT_NE(ext.error().message().find("ucodeSPL"), std::string::npos);
  exts = MilanExtensions(chip);
  exts[2].value = der::Ia5String("3");
  EXPECT_FALSE(ParseVcekExtensions(*FakeVcek(exts)).ok());
  exts = MilanExtensions(chip);
  exts.erase(exts.begin() + 4);  // snpSPL
  ext = ParseVcekExtensions(*FakeVcek(exts));
  ASSERT_FALSE(ext.ok());
  EXPECT_NE(ext.error().message().find("snpSPL"), std::string::npos);
  // Trailing bytes after the INTEGER.
  exts = MilanExtensions(chip);
  exts[3].value.push_back(0);
  EXPECT_FALSE(ParseVcekExtensions(*FakeVcek(exts)).ok());
  // Turin requires fmcSPL and an 8-byte hwID.
  exts = MilanExtensions(Bytes(8, 2));
  exts[1].value = der::Ia5String("Turin");
  ext = ParseVcekExtensions(*FakeVcek(exts));
  ASSERT_FALSE(ext.ok());
  EXPECT_NE(ext.error().message().find("fmcSPL"), std::string::npos);
  exts.push_back({std::string(kOidFmcSpl), false, der::Integer(1)});
  ext = ParseVcekExtensions(*FakeVcek(exts));
  ASSERT_TRUE(ext.ok()) << ext.error().ToString();
  EXPECT_EQ(ext->tcb.fmc, 1);
  EXPECT_EQ(ext->Tcb().raw, 0xDB00000008000301u);
}

}  // namespace
}  // namespace skr::snp

namespace skr::snp {
namespace {

// Real cross-sample negatives: kinvolk's Azure report has no matching VCEK among the samples
// (SOURCES.md); the trustee Azure VCEK is for another chip or TCB.
TEST(SnpVerifyRealNegatives, KinvolkReportWithTrusteeVcekFails) {
  SKR_SHARED_FILE_OR_SKIP(hp, "evidence-samples/azure-cvm-tooling/hcl-report-snp.bin");
  SKR_SHARED_FILE_OR_SKIP(vp, "evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  auto hcl = hcl::ParseHclReport(testing::ReadBytesOrDie(hp));
  ASSERT_TRUE(hcl.ok());
  auto certs = x509::CertificatesFromPem(testing::ReadTextOrDie(vp));
  ASSERT_TRUE(certs.ok());
  auto chain = ChainFromBundle((*certs)[0], *certs);
  ASSERT_TRUE(chain.ok());
  auto r =
      VerifyAttestation(hcl->HardwareReport(), *chain, VerifyOptions{{(*certs)[2]}, k2025, true});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  // Without the chip-id rule, the signature still refuses it.
  r = VerifyAttestation(hcl->HardwareReport(), *chain, VerifyOptions{{(*certs)[2]}, k2025, false});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed);
  // The bare trustee report against the Azure VCEK (a different VM).
  auto bare = TrusteeBare();
  if (bare) {
    EXPECT_FALSE(
        VerifyAttestation(bare->report, *chain, VerifyOptions{{(*certs)[2]}, k2025, false}).ok());
  }
}

}  // namespace
}  // namespace skr::snp
