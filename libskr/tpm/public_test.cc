#include "libskr/tpm/public.h"

#include <gtest/gtest.h>
#include <tss2/tss2_mu.h>

#include <cstring>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/hcl/report.h"
#include "libskr/testing/shared_samples.h"
#include "libskr/tpm/device.h"

namespace skr::tpm {
namespace {

Bytes Marshal(const TPM2B_PUBLIC& p) {
  Bytes buf(sizeof(TPM2B_PUBLIC) + 2);
  size_t off = 0;
  EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Marshal(&p, buf.data(), buf.size(), &off), 0u);
  buf.resize(off);
  return buf;
}

crypto::PublicKey TrusteeAkPub(const std::filesystem::path& hcl_path) {
  auto report = hcl::ParseHclReport(testing::ReadBytesOrDie(hcl_path));
  EXPECT_TRUE(report.ok());
  auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
  EXPECT_TRUE(claims.ok());
  return *claims->Key("HCLAkPub")->ToPublicKey();
}

// The Azure AK (evidence-formats.md 2.7) as tpm2-tss marshals it, with the real HCLAkPub modulus.
TEST(TpmDevice, OaepSchemeForTheKeyHsmHashesOnly) {
  EXPECT_EQ(OaepSchemeFor(crypto::HashAlg::kSha1).value(), RsaDecryptScheme::kOaepSha1);
  EXPECT_EQ(OaepSchemeFor(crypto::HashAlg::kSha256).value(), RsaDecryptScheme::kOaepSha256);
  EXPECT_EQ(OaepSchemeFor(crypto::HashAlg::kSha384).value(), RsaDecryptScheme::kOaepSha384);
  auto sha512 = OaepSchemeFor(crypto::HashAlg::kSha512);
  ASSERT_FALSE(sha512.ok());
  EXPECT_EQ(sha512.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(sha512.error().message().find("SHA-512"), std::string::npos);
}

TEST(TpmPublic, AzureAkMatchesTssAndHclAkPub) {
  SKR_SHARED_FILE_OR_SKIP(hcl_path, "evidence-samples/trustee/az-snp-vtpm/hcl-report.bin");
  crypto::PublicKey ak = TrusteeAkPub(hcl_path);
  Bytes n = ak.Rsa()->n;
  ASSERT_EQ(n.size(), 256u);
  TPM2B_PUBLIC t = AzureAkTemplate();
  t.publicArea.unique.rsa.size = 256;
  std::memcpy(t.publicArea.unique.rsa.buffer, n.data(), 256);
  Bytes wire = Marshal(t);

  auto p = ParsePublic2B(wire);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->type, kAlgRsa);
  EXPECT_EQ(p->name_alg, kAlgSha256);
  EXPECT_EQ(p->object_attributes, t.publicArea.objectAttributes);
  EXPECT_EQ(p->scheme.scheme, kAlgRsassa);
  EXPECT_EQ(p->scheme.hash_alg, kAlgSha256);
  EXPECT_EQ(p->rsa_key_bits, 2048);
  EXPECT_EQ(p->rsa_exponent, 0u);
  EXPECT_EQ(p->Serialize2B(), wire);
  auto key = p->ToPublicKey();
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->Equals(ak));
  auto jwk = p->ToJwk();
  ASSERT_TRUE(jwk.ok());
  EXPECT_EQ(jwk->kty(), "RSA");
  EXPECT_EQ(jwk->json()["e"], "AQAB");
  auto name = p->Name();
  ASSERT_TRUE(name.ok());
  Bytes tpmt(wire.begin() + 2, wire.end());
  EXPECT_EQ(*name, Concat(Bytes{0x00, 0x0B}, crypto::Sha256(tpmt)));
  // PublicFromKey rebuilds the same public area from the key and the template fields.
  auto rebuilt = PublicFromKey(ak, *p);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->Serialize2B(), wire);
}

TEST(TpmPublic, EkTemplateWithSymmetricAndPolicy) {
  TPM2B_PUBLIC t = RsaEkTemplate();
  t.publicArea.unique.rsa.size = 256;
  std::memset(t.publicArea.unique.rsa.buffer, 0xC5, 256);
  Bytes wire = Marshal(t);
  auto p = ParsePublic2B(wire);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->symmetric.algorithm, kAlgAes);
  EXPECT_EQ(p->symmetric.key_bits, 128);
  EXPECT_EQ(p->symmetric.mode, kAlgCfb);
  EXPECT_EQ(p->auth_policy.size(), 32u);
  EXPECT_EQ(p->scheme.scheme, kAlgNull);
  EXPECT_EQ(p->Serialize2B(), wire);
}

TEST(TpmPublic, EccKeyMatchesTss) {
  crypto::Drbg d(Bytes(32, 3), "test/ecc-ak");
  auto key = crypto::DeriveEcKey(d, crypto::Curve::kP384);
  ASSERT_TRUE(key.ok());
  auto ec = key->public_key().Ec();
  TPM2B_PUBLIC t = {};
  t.publicArea.type = TPM2_ALG_ECC;
  t.publicArea.nameAlg = TPM2_ALG_SHA384;
  t.publicArea.objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_RESTRICTED;
  t.publicArea.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  t.publicArea.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  t.publicArea.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA384;
  t.publicArea.parameters.eccDetail.curveID = TPM2_ECC_NIST_P384;
  t.publicArea.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  t.publicArea.unique.ecc.x.size = 48;
  std::memcpy(t.publicArea.unique.ecc.x.buffer, ec->x.data(), 48);
  t.publicArea.unique.ecc.y.size = 48;
  std::memcpy(t.publicArea.unique.ecc.y.buffer, ec->y.data(), 48);
  Bytes wire = Marshal(t);
  auto p = ParsePublic2B(wire);
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->ecc_curve, kEccNistP384);
  EXPECT_EQ(p->scheme.scheme, kAlgEcdsa);
  EXPECT_EQ(p->Serialize2B(), wire);
  EXPECT_TRUE(p->ToPublicKey()->Equals(key->public_key()));
  auto jwk = p->ToJwk();
  ASSERT_TRUE(jwk.ok());
  EXPECT_EQ(jwk->json()["crv"], "P-384");
  EXPECT_EQ(p->Name()->size(), 2u + 48u);
  auto rebuilt = PublicFromKey(key->public_key(), *p);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->Serialize2B(), wire);
  // A point that is not on the curve is rejected when converted.
  TpmPublic off_curve = *p;
  off_curve.unique_y[47] ^= 1;
  EXPECT_FALSE(off_curve.ToPublicKey().ok());
}

TEST(TpmPublic, RejectsMalformed) {
  TPM2B_PUBLIC t = AzureAkTemplate();
  t.publicArea.unique.rsa.size = 256;
  std::memset(t.publicArea.unique.rsa.buffer, 0xC5, 256);
  Bytes wire = Marshal(t);
  for (size_t n = 0; n < wire.size(); ++n) {
    EXPECT_FALSE(ParsePublic2B(ByteView(wire).first(n)).ok()) << n;
  }
  Bytes tpmt(wire.begin() + 2, wire.end());
  for (size_t n = 0; n < tpmt.size(); ++n) {
    auto r = ParsePublic(ByteView(tpmt).first(n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.error().message().find("TPMT_PUBLIC: field "), std::string::npos)
        << r.error().message();
  }
  Bytes trailing = tpmt;
  trailing.push_back(0);
  EXPECT_NE(ParsePublic(trailing).error().message().find("trailing"), std::string::npos);
  Bytes keyed = tpmt;
  keyed[1] = 0x08;  // TPM_ALG_KEYEDHASH
  EXPECT_EQ(ParsePublic(keyed).error().code(), ErrorCode::kUnsupported);
  Bytes unknown = tpmt;
  unknown[1] = 0x42;
  EXPECT_EQ(ParsePublic(unknown).error().code(), ErrorCode::kMalformed);
  // keyBits 3072 with a 256-byte modulus.
  Bytes bits = tpmt;
  size_t kb = 2 + 2 + 4 + 2 + 2 + 4;  // type nameAlg attrs policy(0) sym(NULL) scheme(RSASSA+hash)
  ASSERT_EQ(bits[kb], 0x08);
  bits[kb] = 0x0C;
  auto m = ParsePublic(bits);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("keyBits"), std::string::npos) << m.error().message();
  // A template (empty unique) parses but has no key.
  TPM2B_PUBLIC tmpl = AzureAkTemplate();
  auto parsed_tmpl = ParsePublic2B(Marshal(tmpl));
  ASSERT_TRUE(parsed_tmpl.ok());
  EXPECT_EQ(parsed_tmpl->ToPublicKey().error().code(), ErrorCode::kInvalidArgument);
  TpmPublic p = *ParsePublic(tpmt);
  p.name_alg = 0x0012;  // SM3
  EXPECT_EQ(p.Name().error().code(), ErrorCode::kUnsupported);
  TpmPublic ecc;
  ecc.type = kAlgEcc;
  ecc.ecc_curve = 0x0020;  // BN P256
  EXPECT_EQ(ecc.ToPublicKey().error().code(), ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace skr::tpm
