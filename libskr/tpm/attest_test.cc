#include "libskr/tpm/attest.h"

#include <gtest/gtest.h>
#include <tss2/tss2_mu.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/deterministic_signature.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/testing/shared_samples.h"
#include "libskr/tpm/device.h"
#include "libskr/tpm/public.h"
#include "libskr/tpm/quote.h"

namespace skr::tpm {
namespace {

Bytes FromHex(std::string_view h) { return *encoding::HexDecode(h); }
const Bytes kChallenge = ToBytes(AsBytes("challenge"));

// A real Azure vTPM quote with its signature, PCR values and the AK public key.
struct QuoteSample {
  Bytes attest;
  Bytes signature;  // raw RSASSA-PKCS1-v1_5 (evidence-formats.md 2.7)
  std::vector<Bytes> pcrs;
  crypto::PublicKey ak;
};

// trustee's tpm-quote-v1.json (hex) and the HCLAkPub of the matching HCL report's runtime claims
// (SOURCES.md: the claims' HCLAkPub signs the TPM quote).
std::optional<QuoteSample> LoadTrustee(const std::filesystem::path& quote_json,
                                       const std::filesystem::path& hcl_report) {
  auto j = nlohmann::json::parse(testing::ReadTextOrDie(quote_json));
  auto report = hcl::ParseHclReport(testing::ReadBytesOrDie(hcl_report));
  EXPECT_TRUE(report.ok()) << report.error().ToString();
  if (!report.ok()) return std::nullopt;
  auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
  EXPECT_TRUE(claims.ok());
  auto jwk = claims->Key("HCLAkPub");
  EXPECT_TRUE(jwk.ok()) << jwk.error().ToString();
  auto ak = jwk->ToPublicKey();
  EXPECT_TRUE(ak.ok());
  QuoteSample s{FromHex(j["message"].get<std::string>()),
                FromHex(j["signature"].get<std::string>()),
                {},
                *ak};
  for (const auto& p : j["pcrs"]) s.pcrs.push_back(FromHex(p.get<std::string>()));
  return s;
}

// kinvolk's quote.bin: bincode {signature, message, pcrs} with u64-LE lengths
// (evidence-formats.md 2.7).
QuoteSample LoadKinvolk(const std::filesystem::path& bin, const std::filesystem::path& pem) {
  Bytes data = testing::ReadBytesOrDie(bin);
  ByteReader r(data, "kinvolk quote");
  auto take_vec = [&](const char* f) {
    uint64_t lo = *r.TakeU32Le(f), hi = *r.TakeU32Le(f);
    return ToBytes(*r.Take(static_cast<size_t>(lo | (hi << 32)), f));
  };
  QuoteSample s{{}, {}, {}, *crypto::PublicKeyFromPem(testing::ReadTextOrDie(pem))};
  s.signature = take_vec("signature");
  s.attest = take_vec("message");
  uint64_t n = *r.TakeU32Le("pcrs");
  r.Take(4, "pcrs.hi").value();
  for (uint64_t i = 0; i < n; ++i) s.pcrs.push_back(ToBytes(*r.Take(32, "pcr")));
  EXPECT_EQ(r.remaining(), 0u);
  return s;
}

void ExpectAzureQuoteShape(const Attest& a) {
  EXPECT_EQ(a.magic, kTpmGeneratedValue);
  EXPECT_EQ(a.type, kStAttestQuote);
  ASSERT_EQ(a.qualified_signer.size(), 34u);
  EXPECT_EQ(a.qualified_signer[0], 0x00);
  EXPECT_EQ(a.qualified_signer[1], 0x0B);
  EXPECT_EQ(a.extra_data, kChallenge);
  EXPECT_EQ(a.firmware_version, 0x2020031200120003u);  // Microsoft vTPM
  ASSERT_TRUE(a.quote.has_value());
  ASSERT_EQ(a.quote->pcr_select.size(), 1u);
  EXPECT_EQ(a.quote->pcr_select[0].hash_alg, kAlgSha256);
  EXPECT_EQ(a.quote->pcr_select[0].size_of_select, 3);
  ASSERT_EQ(a.quote->pcr_select[0].pcrs.size(), 24u);
  EXPECT_EQ(a.quote->pcr_select[0].pcrs[23], 23u);
  EXPECT_EQ(a.quote->pcr_digest.size(), 32u);
}

// Cross-check with tpm2-tss's unmarshaller (an independent parser).
void ExpectMatchesTss(const Bytes& attest, const Attest& a) {
  TPMS_ATTEST t = {};
  size_t off = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(attest.data(), attest.size(), &off, &t), 0u);
  EXPECT_EQ(off, attest.size());
  EXPECT_EQ(t.type, a.type);
  EXPECT_EQ(t.extraData.size, a.extra_data.size());
  EXPECT_EQ(t.clockInfo.clock, a.clock_info.clock);
  EXPECT_EQ(t.clockInfo.resetCount, a.clock_info.reset_count);
  EXPECT_EQ(t.clockInfo.restartCount, a.clock_info.restart_count);
  EXPECT_EQ(t.firmwareVersion, a.firmware_version);
  EXPECT_EQ(Bytes(t.attested.quote.pcrDigest.buffer,
                  t.attested.quote.pcrDigest.buffer + t.attested.quote.pcrDigest.size),
            a.quote->pcr_digest);
}

#define LOAD_TRUSTEE_OR_SKIP(var, dir)                                                       \
  SKR_SHARED_FILE_OR_SKIP(var##_json, "evidence-samples/trustee/" dir "/tpm-quote-v1.json"); \
  SKR_SHARED_FILE_OR_SKIP(var##_hcl, "evidence-samples/trustee/" dir "/hcl-report.bin");     \
  auto var##_opt = LoadTrustee(var##_json, var##_hcl);                                       \
  ASSERT_TRUE(var##_opt.has_value());                                                        \
  const QuoteSample& var = *var##_opt

TEST(TrusteeQuote, SnpAndTdxVerifyWithHclAkPub) {
  LOAD_TRUSTEE_OR_SKIP(snp, "az-snp-vtpm");
  LOAD_TRUSTEE_OR_SKIP(tdx, "az-tdx-vtpm");
  for (const QuoteSample* s : {&snp, &tdx}) {
    EXPECT_EQ(s->attest.size(), 122u);
    auto sig = Signature::RsassaRaw(crypto::HashAlg::kSha256, s->signature);
    auto a = VerifyQuote(s->attest, sig, s->ak, kChallenge, PcrBank(kAlgSha256, s->pcrs));
    ASSERT_TRUE(a.ok()) << a.error().ToString();
    ExpectAzureQuoteShape(*a);
    ExpectMatchesTss(s->attest, *a);
    // Azure PCR quirks: PCR17..22 all-ones, PCR23 zero.
    EXPECT_EQ(s->pcrs[17], Bytes(32, 0xFF));
    EXPECT_EQ(s->pcrs[23], Bytes(32, 0x00));
    // Serialize reproduces the signed bytes.
    EXPECT_EQ(*a->Serialize(), s->attest);
  }
  // Each AK verifies only its own quote.
  auto cross =
      VerifyQuote(snp.attest, Signature::RsassaRaw(crypto::HashAlg::kSha256, snp.signature), tdx.ak,
                  kChallenge, PcrBank(kAlgSha256, snp.pcrs));
  ASSERT_FALSE(cross.ok());
  EXPECT_EQ(cross.error().code(), ErrorCode::kVerificationFailed);
}

// The qualifiedSigner of every real quote is the qualified name of an endorsement-hierarchy
// primary key made from AzureAkTemplate() and the AK public key: the emulator's AK template and
// hierarchy reproduce Azure's exactly.
Bytes AzureAkQualifiedName(const crypto::PublicKey& ak) {
  TPM2B_PUBLIC t = AzureAkTemplate();
  size_t off = 0;
  Bytes wire(sizeof(TPM2B_PUBLIC) + 2);
  EXPECT_EQ(Tss2_MU_TPM2B_PUBLIC_Marshal(&t, wire.data(), wire.size(), &off), 0u);
  wire.resize(off);
  auto tmpl = ParsePublic2B(wire);
  EXPECT_TRUE(tmpl.ok());
  auto pub = PublicFromKey(ak, *tmpl);
  EXPECT_TRUE(pub.ok());
  auto qn = QualifiedName(kAlgSha256, HierarchyQualifiedName(kRhEndorsement), *pub->Name());
  EXPECT_TRUE(qn.ok());
  return qn.ok() ? *qn : Bytes{};
}

TEST(TrusteeQuote, QualifiedSignerIsEndorsementPrimaryAk) {
  LOAD_TRUSTEE_OR_SKIP(snp, "az-snp-vtpm");
  LOAD_TRUSTEE_OR_SKIP(tdx, "az-tdx-vtpm");
  for (const QuoteSample* s : {&snp, &tdx}) {
    auto a = ParseAttest(s->attest);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(encoding::HexEncode(a->qualified_signer),
              encoding::HexEncode(AzureAkQualifiedName(s->ak)));
  }
  // Another hierarchy or another key gives another qualified name.
  auto a = ParseAttest(snp.attest);
  EXPECT_NE(a->qualified_signer, AzureAkQualifiedName(tdx.ak));
}

// trustee's v2 envelope (evidence-formats.md 2.9): the quote's 48-byte nonce is the prefix of the
// runtime claims' user-data, and HCLAkPub of the embedded HCL report signs the quote.
TEST(TrusteeQuote, EvidenceV2NonceIsUserDataPrefix) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/trustee/az-snp-vtpm/evidence-v2.json");
  auto j = nlohmann::json::parse(testing::ReadTextOrDie(path));
  auto hcl_bytes = encoding::Base64DecodeAny(j["hcl_report"].get<std::string>());
  ASSERT_TRUE(hcl_bytes.ok());
  auto report = hcl::ParseHclReport(*hcl_bytes);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
  ASSERT_TRUE(claims.ok());
  auto ak = claims->Key("HCLAkPub")->ToPublicKey();
  ASSERT_TRUE(ak.ok());
  auto user_data = claims->UserData();
  ASSERT_TRUE(user_data.ok() && user_data->has_value());
  Bytes nonce((*user_data)->begin(), (*user_data)->begin() + 48);
  const auto& q = j["tpm_quote"];
  Bytes attest = FromHex(q["message"].get<std::string>());
  EXPECT_EQ(attest.size(), 161u);
  std::vector<Bytes> pcrs;
  for (const auto& p : q["pcrs"]) pcrs.push_back(FromHex(p.get<std::string>()));
  auto sig =
      Signature::RsassaRaw(crypto::HashAlg::kSha256, FromHex(q["signature"].get<std::string>()));
  auto a = VerifyQuote(attest, sig, *ak, nonce, PcrBank(kAlgSha256, pcrs));
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->qualified_signer, AzureAkQualifiedName(*ak));
  EXPECT_FALSE(VerifyQuote(attest, sig, *ak, *user_data.value(), PcrBank(kAlgSha256, pcrs)).ok());
}

TEST(KinvolkQuote, VerifiesWithAkPubPem) {
  SKR_SHARED_FILE_OR_SKIP(bin, "evidence-samples/azure-cvm-tooling/quote.bin");
  SKR_SHARED_FILE_OR_SKIP(pem, "evidence-samples/azure-cvm-tooling/akpub.pem");
  QuoteSample s = LoadKinvolk(bin, pem);
  ASSERT_EQ(s.pcrs.size(), 24u);
  auto a = VerifyQuote(s.attest, Signature::RsassaRaw(crypto::HashAlg::kSha256, s.signature), s.ak,
                       kChallenge, PcrBank(kAlgSha256, s.pcrs));
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ExpectAzureQuoteShape(*a);
  ExpectMatchesTss(s.attest, *a);
  EXPECT_EQ(a->qualified_signer, AzureAkQualifiedName(s.ak));
}

TEST(TrusteeQuote, NegativesFailVerification) {
  LOAD_TRUSTEE_OR_SKIP(s, "az-snp-vtpm");
  auto sig = Signature::RsassaRaw(crypto::HashAlg::kSha256, s.signature);
  PcrValues pcrs = PcrBank(kAlgSha256, s.pcrs);
  // A flipped bit anywhere in TPMS_ATTEST breaks the signature.
  for (size_t i = 0; i < s.attest.size(); ++i) {
    Bytes bad = s.attest;
    bad[i] ^= 0x01;
    auto v = VerifyQuote(bad, sig, s.ak, kChallenge, pcrs);
    ASSERT_FALSE(v.ok()) << "flipped byte " << i;
    EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed) << i;
  }
  Bytes bad_sig = s.signature;
  bad_sig[100] ^= 0x80;
  EXPECT_FALSE(VerifyQuote(s.attest, Signature::RsassaRaw(crypto::HashAlg::kSha256, bad_sig), s.ak,
                           kChallenge, pcrs)
                   .ok());
  // Wrong nonce.
  auto nonce = VerifyQuote(s.attest, sig, s.ak, AsBytes("challengf"), pcrs);
  ASSERT_FALSE(nonce.ok());
  EXPECT_EQ(nonce.error().code(), ErrorCode::kVerificationFailed);
  EXPECT_NE(nonce.error().message().find("extraData"), std::string::npos);
  EXPECT_FALSE(VerifyQuote(s.attest, sig, s.ak, {}, pcrs).ok());
  // A wrong value for any quoted PCR.
  for (uint32_t i = 0; i < 24; ++i) {
    PcrValues bad = pcrs;
    bad[PcrId{kAlgSha256, i}][0] ^= 0x01;
    auto v = VerifyQuote(s.attest, sig, s.ak, kChallenge, bad);
    ASSERT_FALSE(v.ok()) << "PCR " << i;
    EXPECT_NE(v.error().message().find("pcrDigest"), std::string::npos) << v.error().message();
  }
  // A missing PCR and a PCR of the wrong size.
  PcrValues missing = pcrs;
  missing.erase(PcrId{kAlgSha256, 7});
  auto m = VerifyQuote(s.attest, sig, s.ak, kChallenge, missing);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(m.error().message().find("PCR 7"), std::string::npos);
  PcrValues short_pcr = pcrs;
  short_pcr[PcrId{kAlgSha256, 3}].pop_back();
  EXPECT_EQ(VerifyQuote(s.attest, sig, s.ak, kChallenge, short_pcr).error().code(),
            ErrorCode::kMalformed);
  // Wrong key type and wrong hash claimed.
  crypto::Drbg d(Bytes(32, 1), "test/ec");
  auto ec = crypto::DeriveEcKey(d, crypto::Curve::kP256);
  EXPECT_FALSE(VerifyQuote(s.attest, sig, ec->public_key(), kChallenge, pcrs).ok());
  EXPECT_FALSE(VerifyQuote(s.attest, Signature::RsassaRaw(crypto::HashAlg::kSha384, s.signature),
                           s.ak, kChallenge, pcrs)
                   .ok());
}

TEST(TrusteeQuote, PcrPolicyIsSeparateFromVerification) {
  LOAD_TRUSTEE_OR_SKIP(s, "az-snp-vtpm");
  PcrValues pcrs = PcrBank(kAlgSha256, s.pcrs);
  PcrValues policy = {{PcrId{kAlgSha256, 17}, Bytes(32, 0xFF)}, {PcrId{kAlgSha256, 0}, s.pcrs[0]}};
  EXPECT_TRUE(ValidatePcrs(pcrs, policy).ok());
  policy[PcrId{kAlgSha256, 23}] = Bytes(32, 0x11);
  auto v = ValidatePcrs(pcrs, policy);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(v.error().message().find("PCR 23"), std::string::npos) << v.error().message();
  PcrValues other_bank = {{PcrId{kAlgSha1, 0}, Bytes(20, 0)}};
  EXPECT_EQ(ValidatePcrs(pcrs, other_bank).error().code(), ErrorCode::kPolicyViolation);
}

TEST(ParseAttest, TruncationAtEveryFieldBoundaryNamesTheField) {
  LOAD_TRUSTEE_OR_SKIP(s, "az-snp-vtpm");
  // Field boundaries of the 122-byte quote with a 9-byte nonce (evidence-formats.md 2.7).
  struct Boundary {
    size_t at;
    const char* field;
  };
  const Boundary boundaries[] = {
      {0, "magic"},
      {4, "type"},
      {6, "qualifiedSigner.size"},
      {8, "qualifiedSigner"},
      {42, "extraData.size"},
      {44, "extraData"},
      {53, "clockInfo.clock"},
      {61, "clockInfo.resetCount"},
      {65, "clockInfo.restartCount"},
      {69, "clockInfo.safe"},
      {70, "firmwareVersion"},
      {78, "attested.quote.pcrSelect.count"},
      {82, "attested.quote.pcrSelect[0].hash"},
      {84, "attested.quote.pcrSelect[0].sizeofSelect"},
      {85, "attested.quote.pcrSelect[0].pcrSelect"},
      {88, "attested.quote.pcrDigest.size"},
      {90, "attested.quote.pcrDigest"},
  };
  for (const auto& b : boundaries) {
    auto r = ParseAttest(ByteView(s.attest).first(b.at));
    ASSERT_FALSE(r.ok()) << b.at;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed);
    std::string want = std::string("field ") + b.field + " at " + HexOffset(b.at);
    EXPECT_NE(r.error().message().find(want), std::string::npos)
        << "want \"" << want << "\" in: " << r.error().message();
  }
  // Every other prefix fails too, and a trailing byte is rejected.
  for (size_t n = 0; n < s.attest.size(); ++n) {
    EXPECT_FALSE(ParseAttest(ByteView(s.attest).first(n)).ok()) << n;
  }
  Bytes longer = s.attest;
  longer.push_back(0);
  auto t = ParseAttest(longer);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("1 trailing bytes"), std::string::npos);
}

TEST(ParseAttest, RejectsBadFields) {
  LOAD_TRUSTEE_OR_SKIP(s, "az-snp-vtpm");
  Bytes bad_magic = s.attest;
  bad_magic[0] = 0xFE;
  auto m = ParseAttest(bad_magic);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message().find("TPM_GENERATED_VALUE"), std::string::npos);
  Bytes audit = s.attest;
  audit[5] = 0x16;  // TPM_ST_ATTEST_SESSION_AUDIT
  EXPECT_EQ(ParseAttest(audit).error().code(), ErrorCode::kUnsupported);
  Bytes unsafe = s.attest;
  unsafe[69] = 2;
  auto u = ParseAttest(unsafe);
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.error().message().find("TPMI_YES_NO"), std::string::npos);
  Bytes big_select = s.attest;
  big_select[84] = 5;
  EXPECT_NE(ParseAttest(big_select).error().message().find("sizeofSelect"), std::string::npos);
  Bytes many_banks = s.attest;
  many_banks[81] = 17;
  EXPECT_NE(ParseAttest(many_banks).error().message().find("banks exceed"), std::string::npos);
  Bytes big_name = s.attest;
  big_name[6] = 0x01;  // qualifiedSigner.size = 0x0122
  EXPECT_FALSE(ParseAttest(big_name).ok());
}

TEST(Certify, RoundTripSignAndVerify) {
  crypto::Drbg d(Bytes(32, 7), "test/ak");
  auto ak = crypto::DeriveRsaKey(d, 2048);
  ASSERT_TRUE(ak.ok());
  Attest a;
  a.type = kStAttestCertify;
  a.qualified_signer = Bytes(34, 0xAB);
  a.extra_data = {};
  a.clock_info = {123456, 3, 1, true};
  a.firmware_version = 0x2020031200120003u;
  // Certify the AK's own public area (any object works the same way).
  TpmPublic tmpl;
  tmpl.scheme = {kAlgRsassa, kAlgSha256, 0};
  auto certified = PublicFromKey(ak->public_key(), tmpl);
  ASSERT_TRUE(certified.ok());
  Bytes certified_name = *certified->Name();
  a.certify = CertifyInfo{certified_name, Bytes(34, 0x02)};
  auto bytes = a.Serialize();
  ASSERT_TRUE(bytes.ok());
  auto back = ParseAttest(*bytes);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  ASSERT_TRUE(back->certify.has_value());
  EXPECT_EQ(back->certify->name, certified_name);
  EXPECT_EQ(back->certify->qualified_name, Bytes(34, 0x02));
  EXPECT_FALSE(back->quote.has_value());
  EXPECT_EQ(*back->Serialize(), *bytes);
  TPMS_ATTEST t = {};
  size_t off = 0;
  ASSERT_EQ(Tss2_MU_TPMS_ATTEST_Unmarshal(bytes->data(), bytes->size(), &off, &t), 0u);
  EXPECT_EQ(t.attested.certify.name.size, 34);
  auto raw = crypto::SignRsaPkcs1(*ak, crypto::HashAlg::kSha256, *bytes);
  auto sig = Signature::RsassaRaw(crypto::HashAlg::kSha256, *raw);
  EXPECT_TRUE(VerifySignature(*bytes, sig, ak->public_key()).ok());
  EXPECT_TRUE(VerifyCertify(*bytes, sig, ak->public_key(), {}, *certified).ok());
  TpmPublic other = *certified;
  other.object_attributes ^= 0x20;
  EXPECT_EQ(VerifyCertify(*bytes, sig, ak->public_key(), {}, other).error().code(),
            ErrorCode::kVerificationFailed);
  EXPECT_FALSE(VerifyCertify(*bytes, sig, ak->public_key(), Bytes{1}, *certified).ok());
  // VerifyQuote refuses a certify structure even when the signature is good.
  auto q = VerifyQuote(*bytes, sig, ak->public_key(), {}, {});
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message().find("ATTEST_QUOTE"), std::string::npos);
  // Serialize refuses inconsistent members.
  Attest wrong = a;
  wrong.certify.reset();
  EXPECT_FALSE(wrong.Serialize().ok());
}

TEST(Signature, TpmtSignatureFormsVerify) {
  Bytes msg = ToBytes(AsBytes("attested bytes"));
  crypto::Drbg d(Bytes(32, 9), "test/keys");
  auto rsa = crypto::DeriveRsaKey(d, 2048);
  auto ec = crypto::DeriveEcKey(d, crypto::Curve::kP256);
  ASSERT_TRUE(rsa.ok() && ec.ok());

  Signature rsassa = Signature::RsassaRaw(
      crypto::HashAlg::kSha256, *crypto::SignRsaPkcs1(*rsa, crypto::HashAlg::kSha256, msg));
  Signature pss;
  pss.sig_alg = kAlgRsapss;
  pss.hash_alg = kAlgSha256;
  pss.rsa_signature =
      *crypto::SignRsaPss(*rsa, crypto::HashAlg::kSha256, crypto::HashAlg::kSha256, 32, msg);
  Bytes rs = *crypto::SignEcdsaP1363Deterministic(*ec, crypto::HashAlg::kSha256, msg);
  Signature ecdsa;
  ecdsa.sig_alg = kAlgEcdsa;
  ecdsa.hash_alg = kAlgSha256;
  ecdsa.ecdsa_r = Bytes(rs.begin(), rs.begin() + 32);
  ecdsa.ecdsa_s = Bytes(rs.begin() + 32, rs.end());

  struct Case {
    const Signature* sig;
    crypto::PublicKey key;
  };
  for (const Case& c : {Case{&rsassa, rsa->public_key()}, Case{&pss, rsa->public_key()},
                        Case{&ecdsa, ec->public_key()}}) {
    Bytes wire = c.sig->Serialize();
    // tpm2-tss agrees on the encoding.
    TPMT_SIGNATURE t = {};
    size_t off = 0;
    ASSERT_EQ(Tss2_MU_TPMT_SIGNATURE_Unmarshal(wire.data(), wire.size(), &off, &t), 0u);
    EXPECT_EQ(off, wire.size());
    EXPECT_EQ(t.sigAlg, c.sig->sig_alg);
    auto parsed = ParseSignature(wire);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    EXPECT_EQ(parsed->Serialize(), wire);
    EXPECT_TRUE(VerifySignature(msg, *parsed, c.key).ok()) << c.sig->sig_alg;
    Bytes other = msg;
    other[0] ^= 1;
    EXPECT_FALSE(VerifySignature(other, *parsed, c.key).ok()) << c.sig->sig_alg;
    for (size_t n = 0; n < wire.size(); ++n) {
      EXPECT_FALSE(ParseSignature(ByteView(wire).first(n)).ok()) << n;
    }
  }
  EXPECT_EQ(VerifySignature(msg, ecdsa, rsa->public_key()).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseSignature(Bytes{0x00, 0x05, 0x00, 0x0B}).error().code(),  // HMAC
            ErrorCode::kUnsupported);
  Bytes trailing = rsassa.Serialize();
  trailing.push_back(0);
  EXPECT_FALSE(ParseSignature(trailing).ok());
}

}  // namespace
}  // namespace skr::tpm
