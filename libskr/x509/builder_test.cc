#include "libskr/x509/builder.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/encoding/der.h"
#include "libskr/encoding/encoding.h"
#include "libskr/testing/shared_samples.h"

namespace skr::x509 {
namespace {

constexpr std::time_t k2024 = 1704067200;  // 2024-01-01T00:00:00Z
constexpr std::time_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z
constexpr std::time_t k2031 = 1924992000;  // 2031-01-01T00:00:00Z
constexpr std::time_t k2049 = 2493072000;  // 2049-01-01T00:00:00Z
constexpr std::time_t k2060 = 2840140800;  // 2060-01-01T00:00:00Z

DistinguishedName AmdName(const std::string& cn) {
  // Order as in AMD's certificates (evidence-formats.md 1.6).
  return {{"OU", "Engineering"},           {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"},
          {"O", "Advanced Micro Devices"}, {"CN", cn}};
}

struct Keys {
  crypto::PrivateKey root, intermediate, other_rsa, leaf, ec_ca;
};

const Keys& TestKeys() {
  static const Keys* keys = [] {
    Bytes seed(32, 0x42);
    auto rsa = [&](const char* label) {
      crypto::Drbg d(seed, label);
      return *crypto::DeriveRsaKey(d, 2048);
    };
    auto ec = [&](const char* label, crypto::Curve c) {
      crypto::Drbg d(seed, label);
      return *crypto::DeriveEcKey(d, c);
    };
    return new Keys{rsa("test/ark"), rsa("test/ask"), rsa("test/other"),
                    ec("test/vcek", crypto::Curve::kP384), ec("test/ec-ca", crypto::Curve::kP256)};
  }();
  return *keys;
}

CertificateSpec CaSpec(const std::string& cn, const std::string& issuer_cn,
                       const crypto::PrivateKey& subject_key, Bytes serial) {
  CertificateSpec s;
  s.serial = std::move(serial);
  s.issuer = AmdName(issuer_cn);
  s.subject = AmdName(cn);
  s.not_before = k2024;
  s.not_after = k2049;
  s.subject_key = subject_key.public_key();
  s.basic_constraints_ca = true;
  s.key_usage = kKeyUsageKeyCertSign | kKeyUsageCrlSign;
  s.subject_key_identifier = true;
  s.authority_key_identifier = true;
  return s;
}

const Bytes kHwId(64, 0xC4);

CertificateSpec LeafSpec() {
  CertificateSpec s;
  s.serial = {};
  s.issuer = AmdName("SEV-Milan");
  s.subject = AmdName("SEV-VCEK");
  s.not_before = k2024;
  s.not_after = k2031;
  s.subject_key = TestKeys().leaf.public_key();
  s.extensions = {
      {"1.3.6.1.4.1.3704.1.1", false, der::Integer(0)},
      {"1.3.6.1.4.1.3704.1.2", false, der::Ia5String("Milan-B0")},
      {"1.3.6.1.4.1.3704.1.3.8", false, der::Integer(0xDB)},
      // hwID is raw bytes without an OCTET STRING wrapper in real VCEKs.
      {"1.3.6.1.4.1.3704.1.4", false, kHwId},
  };
  return s;
}

struct Chain {
  Certificate root, intermediate, leaf;
};

Chain BuildChain() {
  const Keys& k = TestKeys();
  auto root = SignCertificate(CaSpec("ARK-Milan", "ARK-Milan", k.root, {0x01, 0x00, 0x00}), k.root,
                              SignatureAlgorithm::kRsaPssSha384);
  EXPECT_TRUE(root.ok()) << root.error().ToString();
  auto inter = SignCertificate(CaSpec("SEV-Milan", "ARK-Milan", k.intermediate, {0x01, 0x00, 0x01}),
                               k.root, SignatureAlgorithm::kRsaPssSha384);
  EXPECT_TRUE(inter.ok()) << inter.error().ToString();
  auto leaf = SignCertificate(LeafSpec(), k.intermediate, SignatureAlgorithm::kRsaPssSha384);
  EXPECT_TRUE(leaf.ok()) << leaf.error().ToString();
  return Chain{*root, *inter, *leaf};
}

// Runs `openssl verify` on PEM files in a fresh temp dir; returns (exit status, output).
std::pair<int, std::string> OpensslVerify(const Certificate& root,
                                          const std::vector<Certificate>& untrusted,
                                          const Certificate& leaf, std::time_t at) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "skr-x509-XXXXXX").string();
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  std::filesystem::path d(tmpl);
  std::ofstream(d / "root.pem") << root.ToPem();
  std::ofstream(d / "int.pem") << CertificatesToPem(untrusted);
  std::ofstream(d / "leaf.pem") << leaf.ToPem();
  std::string cmd = "openssl verify -attime " + std::to_string(at) + " -CAfile " +
                    (d / "root.pem").string() +
                    (untrusted.empty() ? "" : " -untrusted " + (d / "int.pem").string()) + " " +
                    (d / "leaf.pem").string() + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  char buf[512];
  while (p && fgets(buf, sizeof(buf), p)) out += buf;
  int status = p ? pclose(p) : -1;
  std::filesystem::remove_all(d);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

Bytes NameDer(const X509_NAME* n) {
  unsigned char* der = nullptr;
  int len = i2d_X509_NAME(n, &der);
  Bytes out(der, der + std::max(len, 0));
  OPENSSL_free(der);
  return out;
}

TEST(Builder, PssChainVerifiesWithVerifyChainAndOpenssl) {
  Chain c = BuildChain();
  std::vector<Certificate> ints = {c.intermediate};
  std::vector<Certificate> roots = {c.root};
  auto v = VerifyChain(c.leaf, ints, roots, k2025);
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  auto [rc, out] = OpensslVerify(c.root, ints, c.leaf, k2025);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("leaf.pem: OK"), std::string::npos) << out;
  // The root alone verifies as a self-signed anchor.
  EXPECT_TRUE(VerifyChain(c.root, {}, roots, k2025).ok());
}

TEST(Builder, FieldsAndExtensionsAreAsSpecified) {
  Chain c = BuildChain();
  EXPECT_EQ(c.leaf.subject_cn(), "SEV-VCEK");
  EXPECT_EQ(c.leaf.issuer_cn(), "SEV-Milan");
  EXPECT_EQ(c.leaf.subject(),
            "CN=SEV-VCEK,O=Advanced Micro Devices,ST=CA,L=Santa Clara,C=US,OU=Engineering");
  EXPECT_EQ(c.leaf.serial(), Bytes{});
  EXPECT_EQ(c.intermediate.serial(), (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(c.leaf.not_before(), k2024);
  EXPECT_EQ(c.leaf.not_after(), k2031);
  EXPECT_TRUE(c.leaf.public_key().Equals(TestKeys().leaf.public_key()));
  EXPECT_TRUE(c.root.is_self_issued());
  for (const auto& e : LeafSpec().extensions) {
    auto v = c.leaf.ExtensionValue(e.oid);
    ASSERT_TRUE(v.has_value()) << e.oid;
    EXPECT_EQ(*v, e.value) << e.oid;
  }
  EXPECT_FALSE(c.leaf.ExtensionValue("2.5.29.19").has_value());  // leaf: no basicConstraints
  EXPECT_EQ(*c.root.ExtensionValue("2.5.29.19"), Bytes({0x30, 0x03, 0x01, 0x01, 0xFF}));
  // keyUsage keyCertSign|cRLSign = bits 5,6: BIT STRING 03 02 01 06.
  EXPECT_EQ(*c.root.ExtensionValue("2.5.29.15"), Bytes({0x03, 0x02, 0x01, 0x06}));
  // The intermediate's AKI keyIdentifier is the root's SKI.
  auto ski = c.root.ExtensionValue("2.5.29.14");
  auto aki = c.intermediate.ExtensionValue("2.5.29.35");
  ASSERT_TRUE(ski && aki);
  der::Reader sr(*ski);
  auto ski_bytes = sr.ReadOctetString("ski");
  ASSERT_TRUE(ski_bytes.ok());
  EXPECT_EQ(ski_bytes->size(), 20u);
  EXPECT_EQ(*aki, der::Tlv(der::kSequence, der::Tlv(0x80, *ski_bytes)));
}

TEST(Builder, MatchesAmdEncodingOfNamesAndPssAlgorithm) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem");
  auto amd = CertificatesFromPem(testing::ReadTextOrDie(path));
  ASSERT_TRUE(amd.ok());
  const Certificate& ark = (*amd)[1];
  Chain c = BuildChain();
  EXPECT_EQ(NameDer(X509_get_subject_name(c.root.x509())),
            NameDer(X509_get_subject_name(ark.x509())));
  // Outer signatureAlgorithm (second element of Certificate) and tbsCertificate.signature.
  auto alg_of = [](const Certificate& cert, bool tbs) {
    Bytes der = cert.ToDer();
    der::Reader r(der, "cert");
    auto top = r.Enter(der::kSequence, "Certificate");
    EXPECT_TRUE(top.ok());
    auto tbs_el = top->Next("tbs");
    auto outer_alg = top->Expect(der::kSequence, "signatureAlgorithm");
    if (!tbs) return ToBytes(outer_alg->content);
    der::Reader t(tbs_el->content, "tbs");
    EXPECT_TRUE(t.Next("version").ok());
    EXPECT_TRUE(t.Next("serial").ok());
    return ToBytes(t.Expect(der::kSequence, "signature")->content);
  };
  EXPECT_EQ(alg_of(c.root, false), alg_of(ark, false));
  EXPECT_EQ(alg_of(c.root, true), alg_of(ark, true));
  EXPECT_EQ(alg_of(c.leaf, true), alg_of(c.leaf, false));
}

// The content of the outer signatureAlgorithm of a certificate.
Bytes SignatureAlgorithmOf(const Certificate& cert) {
  Bytes der = cert.ToDer();
  der::Reader r(der, "Certificate");
  auto top = r.Enter(der::kSequence, "Certificate");
  EXPECT_TRUE(top.ok());
  EXPECT_TRUE(top->Next("tbsCertificate").ok());
  auto alg = top->Expect(der::kSequence, "signatureAlgorithm");
  EXPECT_TRUE(alg.ok());
  return alg.ok() ? ToBytes(alg->content) : Bytes{};
}

// The TBSCertificate (everything the signature covers) of a certificate.
Bytes TbsOf(const Certificate& cert) {
  Bytes der = cert.ToDer();
  der::Reader r(der, "Certificate");
  auto top = r.Enter(der::kSequence, "Certificate");
  EXPECT_TRUE(top.ok());
  auto tbs = top->Expect(der::kSequence, "tbsCertificate");
  EXPECT_TRUE(tbs.ok());
  return tbs.ok() ? der::Tlv(tbs->tag, tbs->content) : Bytes{};
}

// With the real public keys, names, serials, validity and extension order, the builder reproduces
// AMD's ARK-Milan and ASK SEV-Milan TBSCertificates byte for byte (evidence-formats.md 1.6).
TEST(Builder, ReproducesAmdMilanTbsByteForByte) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/amd-ca/milan_ask_ark_asvk.pem");
  auto amd = CertificatesFromPem(testing::ReadTextOrDie(path));
  ASSERT_TRUE(amd.ok());
  const Certificate& ask = (*amd)[0];
  const Certificate& ark = (*amd)[1];
  const std::string crl = "https://kdsintf.amd.com/vcek/v1/Milan/crl";

  CertificateSpec ark_spec;
  ark_spec.serial = ark.serial();
  ark_spec.issuer = ark_spec.subject = AmdName("ARK-Milan");
  ark_spec.not_before = ark.not_before();
  ark_spec.not_after = ark.not_after();
  ark_spec.subject_key = ark.public_key();
  ark_spec.extensions = {
      {kOidKeyUsage, true, KeyUsageValue(kKeyUsageKeyCertSign | kKeyUsageCrlSign)},
      {kOidSubjectKeyIdentifier, false, *SubjectKeyIdentifierValue(ark.public_key())},
      {kOidBasicConstraints, true, BasicConstraintsValue(true)},
      {kOidCrlDistributionPoints, false, CrlDistributionPointsValue(crl)},
  };
  // Any RSA key: the TBS does not depend on the signer.
  auto ours = SignCertificate(ark_spec, TestKeys().root, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_TRUE(ours.ok()) << ours.error().ToString();
  EXPECT_EQ(encoding::HexEncode(TbsOf(*ours)), encoding::HexEncode(TbsOf(ark)));

  CertificateSpec ask_spec;
  ask_spec.serial = ask.serial();
  ask_spec.issuer = AmdName("ARK-Milan");
  ask_spec.subject = AmdName("SEV-Milan");
  ask_spec.not_before = ask.not_before();
  ask_spec.not_after = ask.not_after();
  ask_spec.subject_key = ask.public_key();
  ask_spec.extensions = {
      {kOidSubjectKeyIdentifier, false, *SubjectKeyIdentifierValue(ask.public_key())},
      {kOidAuthorityKeyIdentifier, false, *AuthorityKeyIdentifierValue(ark.public_key())},
      {kOidBasicConstraints, true, BasicConstraintsValue(true, 0)},
      // AMD writes keyCertSign alone with 1 unused bit (DER would say 2: 03 02 02 04).
      {kOidKeyUsage, true, Bytes{0x03, 0x02, 0x01, 0x04}},
      {kOidCrlDistributionPoints, false, CrlDistributionPointsValue(crl)},
  };
  auto ours_ask = SignCertificate(ask_spec, TestKeys().root, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_TRUE(ours_ask.ok()) << ours_ask.error().ToString();
  EXPECT_EQ(encoding::HexEncode(TbsOf(*ours_ask)), encoding::HexEncode(TbsOf(ask)));
  EXPECT_EQ(KeyUsageValue(kKeyUsageKeyCertSign), (Bytes{0x03, 0x02, 0x02, 0x04}));
  EXPECT_EQ(KeyUsageValue(kKeyUsageDigitalSignature), (Bytes{0x03, 0x02, 0x07, 0x80}));
  EXPECT_EQ(KeyUsageValue(1u << 8), (Bytes{0x03, 0x03, 0x07, 0x00, 0x80}));
}

DistinguishedName NameOf(const X509_NAME* n) {
  DistinguishedName dn;
  for (int i = 0; i < X509_NAME_entry_count(n); ++i) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(n, i);
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(e);
    const unsigned char* d = ASN1_STRING_get0_data(v);
    dn.push_back({OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))),
                  std::string(d, d + ASN1_STRING_length(v))});
  }
  return dn;
}

// A spec with everything of `cert` (names, serial, validity, key, extensions in order).
CertificateSpec SpecOf(const Certificate& cert) {
  CertificateSpec s;
  s.serial = cert.serial();
  s.issuer = NameOf(X509_get_issuer_name(cert.x509()));
  s.subject = NameOf(X509_get_subject_name(cert.x509()));
  s.not_before = cert.not_before();
  s.not_after = cert.not_after();
  s.subject_key = cert.public_key();
  for (int i = 0; i < X509_get_ext_count(cert.x509()); ++i) {
    X509_EXTENSION* e = X509_get_ext(cert.x509(), i);
    char oid[128];
    OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(e), /*no_name=*/1);
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(e);
    const unsigned char* d = ASN1_STRING_get0_data(v);
    s.extensions.push_back(
        {oid, X509_EXTENSION_get_critical(e) == 1, Bytes(d, d + ASN1_STRING_length(v))});
  }
  return s;
}

// Real VCEKs (Milan from trustee's Azure sample, Turin from virtee/sev, trustee's Milan test VCEK)
// are reproduced TBS byte for byte from their contents, so emulated VCEKs can have the real shape
// (hwID raw bytes, SPL INTEGERs with sign bytes, evidence-formats.md 1.6).
TEST(Builder, ReproducesRealVcekTbsByteForByte) {
  SKR_SHARED_FILE_OR_SKIP(milan, "evidence-samples/trustee/az-snp-vtpm/vcek.pem");
  SKR_SHARED_FILE_OR_SKIP(turin, "evidence-samples/sev/vcek_turin.der");
  SKR_SHARED_FILE_OR_SKIP(test_vcek, "evidence-samples/trustee/snp/test-vcek.der");
  std::vector<Certificate> certs = {(*CertificatesFromPem(testing::ReadTextOrDie(milan)))[0],
                                    *CertificateFromDer(testing::ReadBytesOrDie(turin)),
                                    *CertificateFromDer(testing::ReadBytesOrDie(test_vcek))};
  for (const Certificate& real : certs) {
    CertificateSpec spec = SpecOf(real);
    EXPECT_GE(spec.extensions.size(), 8u) << real.subject();
    // The PSS parameters with or without trailerField, whichever the real certificate has.
    Bytes real_alg = der::Tlv(der::kSequence, SignatureAlgorithmOf(real));
    SignatureAlgorithm alg = SignatureAlgorithm::kRsaPssSha384;
    if (real_alg == SignatureAlgorithmIdentifier(SignatureAlgorithm::kRsaPssSha384NoTrailer)) {
      alg = SignatureAlgorithm::kRsaPssSha384NoTrailer;
    }
    EXPECT_EQ(real_alg, SignatureAlgorithmIdentifier(alg));
    auto ours = SignCertificate(spec, TestKeys().root, alg);
    ASSERT_TRUE(ours.ok()) << ours.error().ToString();
    EXPECT_EQ(encoding::HexEncode(TbsOf(*ours)), encoding::HexEncode(TbsOf(real)))
        << real.subject();
    // And the result verifies (the builder's own chain) with both verifiers.
    CertificateSpec root_spec = CaSpec("SEV-Milan", "SEV-Milan", TestKeys().root, {0x01});
    root_spec.subject = root_spec.issuer = spec.issuer;
    root_spec.not_before = spec.not_before - 86400;
    root_spec.not_after = spec.not_after + 86400;
    auto root = SignCertificate(root_spec, TestKeys().root, alg);
    ASSERT_TRUE(root.ok());
    std::vector<Certificate> roots = {*root};
    auto v = VerifyChain(*ours, {}, roots, spec.not_before + 86400);
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    EXPECT_EQ(OpensslVerify(*root, {}, *ours, spec.not_before + 86400).first, 0);
  }
}

// Intel's PCK chain from a real TD quote (PCK leaf with the SGX extension, Platform CA, Root CA)
// is reproduced TBS byte for byte with ECDSA-SHA256, as the Intel emulator needs.
TEST(Builder, ReproducesRealIntelPckChainTbsByteForByte) {
  SKR_SHARED_FILE_OR_SKIP(quote, "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin");
  std::string text = AsString(testing::ReadBytesOrDie(quote));
  size_t at = text.find("-----BEGIN CERTIFICATE-----");
  ASSERT_NE(at, std::string::npos);
  auto chain = CertificatesFromPem(std::string_view(text).substr(at));
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_TRUE((*chain)[0].ExtensionValue("1.2.840.113741.1.13.1").has_value());
  for (const Certificate& real : *chain) {
    EXPECT_EQ(der::Tlv(der::kSequence, SignatureAlgorithmOf(real)),
              SignatureAlgorithmIdentifier(SignatureAlgorithm::kEcdsaSha256));
    auto ours = SignCertificate(SpecOf(real), TestKeys().ec_ca, SignatureAlgorithm::kEcdsaSha256);
    ASSERT_TRUE(ours.ok()) << ours.error().ToString();
    EXPECT_EQ(encoding::HexEncode(TbsOf(*ours)), encoding::HexEncode(TbsOf(real)))
        << real.subject();
  }
}

TEST(Builder, Deterministic) {
  const Keys& k = TestKeys();
  for (auto alg : {SignatureAlgorithm::kRsaPssSha384, SignatureAlgorithm::kRsaPkcs1Sha256}) {
    auto a = SignCertificate(LeafSpec(), k.intermediate, alg);
    auto b = SignCertificate(LeafSpec(), k.intermediate, alg);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->ToDer(), b->ToDer());
    CertificateSpec other = LeafSpec();
    other.serial = {0x01};
    auto d = SignCertificate(other, k.intermediate, alg);
    ASSERT_TRUE(d.ok());
    EXPECT_NE(a->ToDer(), d->ToDer());
  }
  CertificateSpec ec_leaf = LeafSpec();
  auto a = SignCertificate(ec_leaf, k.ec_ca, SignatureAlgorithm::kEcdsaSha256);
  auto b = SignCertificate(ec_leaf, k.ec_ca, SignatureAlgorithm::kEcdsaSha256);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ToDer(), b->ToDer());
}

TEST(Builder, EveryAlgorithmVerifies) {
  const Keys& k = TestKeys();
  struct Case {
    SignatureAlgorithm alg;
    const crypto::PrivateKey* key;
  };
  const Case cases[] = {{SignatureAlgorithm::kEcdsaSha256, &k.ec_ca},
                        {SignatureAlgorithm::kEcdsaSha384, &k.ec_ca},
                        {SignatureAlgorithm::kRsaPkcs1Sha256, &k.root},
                        {SignatureAlgorithm::kRsaPkcs1Sha384, &k.root},
                        {SignatureAlgorithm::kRsaPssSha384, &k.root}};
  for (const auto& c : cases) {
    CertificateSpec ca = CaSpec("Test CA", "Test CA", *c.key, {0x07});
    auto root = SignCertificate(ca, *c.key, c.alg);
    ASSERT_TRUE(root.ok()) << root.error().ToString();
    CertificateSpec leaf = LeafSpec();
    leaf.issuer = AmdName("Test CA");
    leaf.authority_key_identifier = true;
    auto l = SignCertificate(leaf, *c.key, c.alg);
    ASSERT_TRUE(l.ok()) << l.error().ToString();
    std::vector<Certificate> roots = {*root};
    auto v = VerifyChain(*l, {}, roots, k2025);
    EXPECT_TRUE(v.ok()) << static_cast<int>(c.alg) << ": " << v.error().ToString();
    auto [rc, out] = OpensslVerify(*root, {}, *l, k2025);
    EXPECT_EQ(rc, 0) << static_cast<int>(c.alg) << ": " << out;
  }
}

TEST(Builder, WrongSignerFailsBothVerifiers) {
  Chain c = BuildChain();
  const Keys& k = TestKeys();
  // Same names, signed by a key that is not the intermediate's.
  auto forged = SignCertificate(LeafSpec(), k.other_rsa, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_TRUE(forged.ok());
  std::vector<Certificate> ints = {c.intermediate};
  std::vector<Certificate> roots = {c.root};
  auto v = VerifyChain(*forged, ints, roots, k2025);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(v.error().message().find("signature"), std::string::npos) << v.error().message();
  EXPECT_NE(OpensslVerify(c.root, ints, *forged, k2025).first, 0);
  // Swapped chain: intermediate given as the anchor and the root as the intermediate.
  std::vector<Certificate> wrong_roots = {c.intermediate};
  std::vector<Certificate> wrong_ints = {c.root};
  EXPECT_FALSE(VerifyChain(c.leaf, wrong_ints, wrong_roots, k2025).ok());
}

TEST(Builder, FlippedByteInTbsFailsVerification) {
  Chain c = BuildChain();
  Bytes der = c.leaf.ToDer();
  // Flip a byte inside the hwID extension value (in the TBS, far from any length octet).
  auto it = std::search(der.begin(), der.end(), kHwId.begin(), kHwId.end());
  ASSERT_NE(it, der.end());
  *(it + 10) ^= 0x01;
  auto tampered = CertificateFromDer(der);
  ASSERT_TRUE(tampered.ok());
  std::vector<Certificate> ints = {c.intermediate};
  std::vector<Certificate> roots = {c.root};
  EXPECT_FALSE(VerifyChain(*tampered, ints, roots, k2025).ok());
}

TEST(Builder, ValidityIsEnforced) {
  Chain c = BuildChain();
  std::vector<Certificate> ints = {c.intermediate};
  std::vector<Certificate> roots = {c.root};
  auto expired = VerifyChain(c.leaf, ints, roots, k2031 + 1);
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos)
      << expired.error().message();
  EXPECT_FALSE(VerifyChain(c.leaf, ints, roots, k2024 - 1).ok());
  EXPECT_NE(OpensslVerify(c.root, ints, c.leaf, k2031 + 1).first, 0);
  // Years from 2050 on are GeneralizedTime and round-trip.
  CertificateSpec late = LeafSpec();
  late.not_after = k2060;
  auto l = SignCertificate(late, TestKeys().intermediate, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->not_after(), k2060);
}

TEST(Builder, UnknownCriticalExtensionIsRejectedByVerifiers) {
  Chain c = BuildChain();
  CertificateSpec s = LeafSpec();
  s.extensions.push_back({"1.3.6.1.4.1.3704.1.99", true, der::Integer(1)});
  auto leaf = SignCertificate(s, TestKeys().intermediate, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_TRUE(leaf.ok());
  std::vector<Certificate> ints = {c.intermediate};
  std::vector<Certificate> roots = {c.root};
  EXPECT_FALSE(VerifyChain(*leaf, ints, roots, k2025).ok());
}

TEST(Builder, RejectsBadSpecs) {
  const Keys& k = TestKeys();
  CertificateSpec no_key = LeafSpec();
  no_key.subject_key.reset();
  EXPECT_EQ(SignCertificate(no_key, k.root, SignatureAlgorithm::kRsaPssSha384).error().code(),
            ErrorCode::kInvalidArgument);
  auto wrong_type = SignCertificate(LeafSpec(), k.ec_ca, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.error().message().find("needs an RSA key"), std::string::npos);
  EXPECT_FALSE(SignCertificate(LeafSpec(), k.root, SignatureAlgorithm::kEcdsaSha384).ok());
  CertificateSpec bad_oid = LeafSpec();
  bad_oid.extensions.push_back({"1.2.x", false, {}});
  auto e = SignCertificate(bad_oid, k.root, SignatureAlgorithm::kRsaPssSha384);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("extension #5"), std::string::npos) << e.error().message();
  CertificateSpec bad_name = LeafSpec();
  bad_name.subject.push_back({"NoSuchField", "x"});
  EXPECT_FALSE(SignCertificate(bad_name, k.root, SignatureAlgorithm::kRsaPssSha384).ok());
  CertificateSpec bad_country = LeafSpec();
  bad_country.subject.push_back({"C", "USA"});
  EXPECT_FALSE(SignCertificate(bad_country, k.root, SignatureAlgorithm::kRsaPssSha384).ok());
  CertificateSpec path_no_ca = LeafSpec();
  path_no_ca.path_len = 0;
  EXPECT_FALSE(SignCertificate(path_no_ca, k.root, SignatureAlgorithm::kRsaPssSha384).ok());
  CertificateSpec backwards = LeafSpec();
  backwards.not_after = backwards.not_before - 1;
  EXPECT_FALSE(SignCertificate(backwards, k.root, SignatureAlgorithm::kRsaPssSha384).ok());
}

}  // namespace
}  // namespace skr::x509
