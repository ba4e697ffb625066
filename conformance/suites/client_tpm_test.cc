// Client behaviour against the emulated Azure vTPM: the guest TPM layer reads and refreshes the HCL
// report, quotes with the AK, and creates, certifies and uses the ephemeral key exactly as on a
// CVM.
#include <gtest/gtest.h>

#include <memory>

#include "client/guest_tpm.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/crypto/signature.h"
#include "libskr/hcl/report.h"
#include "libskr/hcl/verify.h"
#include "snp-tdx-emulator/hcl/hcl_generator.h"
#include "snp-tdx-emulator/vtpm/azure_vtpm.h"

namespace skr::conformance {
namespace {

using client::GuestTpm;

// A hardware "signer" that only places REPORT_DATA: this suite checks the client's TPM use, not
// hardware signatures (those are verified in the evidence and MAA suites).
Result<Bytes> PlainSnpReport(ByteView report_data) {
  Bytes r(hcl::kHwReportSize, 0);
  std::copy(report_data.begin(), report_data.end(), r.begin() + hcl::kSnpReportDataOffset);
  return r;
}

std::unique_ptr<emulator::vtpm::AzureVtpm> StartVtpm() {
  emulator::vtpm::AzureVtpm::Options o;
  o.report_provider_factory = [](const emulator::vtpm::VtpmKeys& keys) {
    emulator::HclGeneratorOptions g;
    g.ak_modulus = keys.ak.rsa_modulus;
    g.ek_modulus = keys.ek.rsa_modulus;
    g.vm.vm_unique_id = "6F2E0A4B-2C1D-4E5F-8A9B-0C1D2E3F4A5B";
    g.signer = PlainSnpReport;
    return [g](ByteView user_data) { return emulator::GenerateHclReport(g, user_data); };
  };
  auto v = emulator::vtpm::AzureVtpm::Start(std::move(o));
  EXPECT_TRUE(v.ok()) << v.error().ToString();
  return v.ok() ? std::move(v).value() : nullptr;
}

Bytes UserData(uint8_t seed) {
  Bytes d(64);
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(seed ^ (i * 13));
  return d;
}

TEST(ClientTpm, RequestHclReportReturnsAFreshReportBindingTheUserData) {
  auto vtpm = StartVtpm();
  ASSERT_TRUE(vtpm);
  auto tpm = GuestTpm::Open(vtpm->tcti());
  ASSERT_TRUE(tpm.ok()) << tpm.error().ToString();
  for (uint8_t seed : {1, 2}) {
    Bytes ud = UserData(seed);
    auto raw = (*tpm)->RequestHclReport(ud);
    ASSERT_TRUE(raw.ok()) << raw.error().ToString();
    EXPECT_EQ(raw->size(), 2600u);
    auto report = hcl::ParseHclReport(*raw);
    ASSERT_TRUE(report.ok()) << report.error().ToString();
    EXPECT_TRUE(hcl::VerifyRuntimeClaimsBinding(*report).ok());
    auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
    ASSERT_TRUE(claims.ok());
    auto got = claims->UserData();
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ(**got, ud);
    // HCLAkPub is the AK the TPM holds.
    auto ak = (*tpm)->ReadAkPublic();
    ASSERT_TRUE(ak.ok());
    auto jwk = claims->Key("HCLAkPub");
    ASSERT_TRUE(jwk.ok());
    auto ak_from_claims = jwk->ToPublicKey();
    ASSERT_TRUE(ak_from_claims.ok());
    EXPECT_EQ(ak_from_claims->Rsa()->n, ak->rsa_modulus);
  }
}

TEST(ClientTpm, RejectsUserDataOfTheWrongSize) {
  auto vtpm = StartVtpm();
  ASSERT_TRUE(vtpm);
  auto tpm = GuestTpm::Open(vtpm->tcti());
  ASSERT_TRUE(tpm.ok());
  auto r = (*tpm)->RequestHclReport(Bytes(63, 1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("64 bytes"), std::string::npos);
}

TEST(ClientTpm, OpenFailsWithAClearErrorWhenNothingListens) {
  auto tpm = GuestTpm::Open("swtpm:host=127.0.0.1,port=1");
  ASSERT_FALSE(tpm.ok());
  EXPECT_NE(tpm.error().message().find("TCTI"), std::string::npos) << tpm.error().ToString();
}

TEST(ClientTpm, EphemeralKeyIsCertifiedByTheAkAndDecryptsInTheTpm) {
  auto vtpm = StartVtpm();
  ASSERT_TRUE(vtpm);
  auto tpm = GuestTpm::Open(vtpm->tcti());
  ASSERT_TRUE(tpm.ok());
  auto key = (*tpm)->CreateEphemeralKey();
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  const auto& ek = **key;
  ASSERT_EQ(ek.public_key().rsa_modulus.size(), 256u);

  // The certification is an AK signature over a TPMS_ATTEST naming the key.
  auto ak = (*tpm)->ReadAkPublic();
  ASSERT_TRUE(ak.ok());
  auto ak_key = crypto::RsaPublicKeyFromComponents(ak->rsa_modulus, Bytes{0x01, 0x00, 0x01});
  ASSERT_TRUE(ak_key.ok());
  EXPECT_TRUE(crypto::VerifyRsaPkcs1(*ak_key, crypto::HashAlg::kSha256, ek.certification().attest,
                                     ek.certification().signature)
                  .ok());
  const Bytes& attest = ek.certification().attest;
  const Bytes& name = ek.public_key().name;
  EXPECT_NE(std::search(attest.begin(), attest.end(), name.begin(), name.end()), attest.end())
      << "TPMS_CERTIFY_INFO must carry the ephemeral key's name";
  // TPM2B_PUBLIC = u16 size || TPMT_PUBLIC.
  ASSERT_EQ(ek.tpm2b_public().size(), ek.public_key().tpmt_public.size() + 2);

  auto pub = crypto::RsaPublicKeyFromComponents(ek.public_key().rsa_modulus, Bytes{1, 0, 1});
  ASSERT_TRUE(pub.ok());
  Bytes secret = crypto::Sha256(AsBytes("transfer key"));
  struct Case {
    tpm::RsaDecryptScheme scheme;
    crypto::HashAlg hash;
  };
  for (Case c : {Case{tpm::RsaDecryptScheme::kOaepSha1, crypto::HashAlg::kSha1},
                 Case{tpm::RsaDecryptScheme::kOaepSha256, crypto::HashAlg::kSha256},
                 Case{tpm::RsaDecryptScheme::kOaepSha384, crypto::HashAlg::kSha384}}) {
    auto ct = crypto::RsaOaepEncrypt(*pub, crypto::OaepParams{c.hash, {}, {}}, secret);
    ASSERT_TRUE(ct.ok()) << ct.error().ToString();
    auto pt = (*key)->Decrypt(c.scheme, *ct);
    ASSERT_TRUE(pt.ok()) << pt.error().ToString();
    EXPECT_EQ(*pt, secret);
    // The wrong OAEP hash does not decrypt.
    auto wrong = (*key)->Decrypt(c.scheme == tpm::RsaDecryptScheme::kOaepSha256
                                     ? tpm::RsaDecryptScheme::kOaepSha1
                                     : tpm::RsaDecryptScheme::kOaepSha256,
                                 *ct);
    EXPECT_FALSE(wrong.ok());
  }
  auto ct = crypto::RsaPkcs1Encrypt(*pub, secret);
  ASSERT_TRUE(ct.ok());
  auto pt = (*key)->Decrypt(tpm::RsaDecryptScheme::kRsaes, *ct);
  ASSERT_TRUE(pt.ok()) << pt.error().ToString();
  EXPECT_EQ(*pt, secret);
}

TEST(ClientTpm, EphemeralKeyIsTheSameUntilRebootAndRefusesAfterAPcrChange) {
  auto vtpm = StartVtpm();
  ASSERT_TRUE(vtpm);
  auto tpm = GuestTpm::Open(vtpm->tcti());
  ASSERT_TRUE(tpm.ok());
  Bytes modulus;
  {
    auto k1 = (*tpm)->CreateEphemeralKey();
    ASSERT_TRUE(k1.ok()) << k1.error().ToString();
    modulus = (*k1)->public_key().rsa_modulus;
  }
  auto k2 = (*tpm)->CreateEphemeralKey();
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ((*k2)->public_key().rsa_modulus, modulus) << "same template, same NULL seed";

  auto pub = crypto::RsaPublicKeyFromComponents(modulus, Bytes{1, 0, 1});
  ASSERT_TRUE(pub.ok());
  auto ct = crypto::RsaOaepEncrypt(*pub, crypto::OaepParams{}, Bytes(32, 7));
  ASSERT_TRUE(ct.ok());
  // Extending a bound PCR breaks the key's policy: the TPM refuses to decrypt.
  ASSERT_TRUE((*tpm)->device().PcrExtend(7, TPM2_ALG_SHA256, Bytes(32, 0x5A)).ok());
  auto pt = (*k2)->Decrypt(tpm::RsaDecryptScheme::kOaepSha256, *ct);
  ASSERT_FALSE(pt.ok());
  EXPECT_NE(pt.error().message().find("TPM2_RSA_Decrypt"), std::string::npos);
}

TEST(ClientTpm, QuoteIsSignedByTheAkOverTheRequestedPcrs) {
  auto vtpm = StartVtpm();
  ASSERT_TRUE(vtpm);
  auto tpm = GuestTpm::Open(vtpm->tcti());
  ASSERT_TRUE(tpm.ok());
  Bytes nonce = {'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e'};
  auto q = (*tpm)->QuotePcrs(client::kAzurePcrs, nonce);
  ASSERT_TRUE(q.ok()) << q.error().ToString();
  auto ak = (*tpm)->ReadAkPublic();
  ASSERT_TRUE(ak.ok());
  auto ak_key = crypto::RsaPublicKeyFromComponents(ak->rsa_modulus, Bytes{1, 0, 1});
  ASSERT_TRUE(ak_key.ok());
  EXPECT_TRUE(
      crypto::VerifyRsaPkcs1(*ak_key, crypto::HashAlg::kSha256, q->attest, q->signature).ok());
  // The PCR digest at the end of TPMS_QUOTE_INFO is SHA-256 over the selected values.
  auto values = (*tpm)->ReadPcrs(client::kAzurePcrs);
  ASSERT_TRUE(values.ok());
  Bytes concat;
  for (const auto& v : *values) concat.insert(concat.end(), v.begin(), v.end());
  Bytes digest = crypto::Sha256(concat);
  ASSERT_GE(q->attest.size(), 32u);
  EXPECT_EQ(Bytes(q->attest.end() - 32, q->attest.end()), digest);
  auto bad = (*tpm)->QuotePcrs({24}, nonce);
  EXPECT_FALSE(bad.ok());
}

TEST(ClientTpm, DerObjectLengthCutsNvPaddingAndRejectsBadHeaders) {
  Bytes cert = {0x30, 0x82, 0x00, 0x03, 1, 2, 3, 0, 0, 0};
  auto n = client::DerObjectLength(cert);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 7u);
  EXPECT_FALSE(client::DerObjectLength(Bytes{}).ok());
  EXPECT_FALSE(client::DerObjectLength(Bytes{0x31, 0x00}).ok());
  EXPECT_FALSE(client::DerObjectLength(Bytes{0x30, 0x82, 0x10}).ok());
  EXPECT_FALSE(client::DerObjectLength(Bytes{0x30, 0x05, 1, 2}).ok());
  EXPECT_FALSE(client::DerObjectLength(Bytes{0x30, 0x80}).ok());
}

}  // namespace
}  // namespace skr::conformance
