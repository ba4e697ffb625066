#include "libskr/crypto/deterministic_signature.h"

#include <gtest/gtest.h>

#include "libskr/crypto/derive.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"

namespace skr::crypto {
namespace {

Bytes Hex(std::string_view h) { return *encoding::HexDecode(h); }

struct Rfc6979Case {
  const char* name;
  Curve curve;
  HashAlg hash;
  const char *x, *ux, *uy, *k, *r, *s;
};

// RFC 6979 appendix A.2.5 (P-256) and A.2.6 (P-384), message "sample". The constants were
// cross-checked with an independent Python EC implementation (U = xG, r = x(kG) mod n, and
// s = k^-1 (h + r x) mod n all hold).
const Rfc6979Case kRfc6979Cases[] = {
    {"A.2.5 P-256 SHA-256", Curve::kP256, HashAlg::kSha256,
     "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
     "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
     "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
     "A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60",
     "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
    {"A.2.6 P-384 SHA-384", Curve::kP384, HashAlg::kSha384,
     "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2"
     "EDF5",
     "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480"
     "BC13",
     "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD253326"
     "4720",
     "94ED910D1A099DAD3254E9242AE85ABDE4BA15168EAF0CA87A555FD56D10FBCA2907E3E83BA95368623B8C468691"
     "5CF9",
     "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FA"
     "BE46",
     "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A3862"
     "8AC8"},
};

TEST(DeterministicEcdsa, Rfc6979KnownAnswers) {
  int run = 0;
  for (const auto& tc : kRfc6979Cases) {
    SCOPED_TRACE(tc.name);
    auto key = EcPrivateKeyFromScalar(tc.curve, Hex(tc.x));
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    auto pub = key->public_key().Ec();
    ASSERT_TRUE(pub.ok());
    EXPECT_EQ(pub->x, Hex(tc.ux));
    EXPECT_EQ(pub->y, Hex(tc.uy));
    ByteView msg = AsBytes("sample");
    auto k = Rfc6979Nonce(*key, tc.hash, msg);
    ASSERT_TRUE(k.ok()) << k.error().ToString();
    EXPECT_EQ(*k, Hex(tc.k));
    auto rs = SignEcdsaP1363Deterministic(*key, tc.hash, msg);
    ASSERT_TRUE(rs.ok()) << rs.error().ToString();
    EXPECT_EQ(*rs, Concat(Hex(tc.r), Hex(tc.s)));
    auto der = SignEcdsaDerDeterministic(*key, tc.hash, msg);
    ASSERT_TRUE(der.ok()) << der.error().ToString();
    EXPECT_EQ(*der, *EcdsaP1363ToDer(*rs));
    EXPECT_TRUE(VerifyEcdsaDer(key->public_key(), tc.hash, msg, *der).ok());
    EXPECT_TRUE(VerifyEcdsaP1363(key->public_key(), tc.hash, msg, *rs).ok());
    auto other = VerifyEcdsaDer(key->public_key(), tc.hash, AsBytes("samplf"), *der);
    ASSERT_FALSE(other.ok());
    EXPECT_EQ(other.error().code(), ErrorCode::kVerificationFailed);
    ++run;
  }
  EXPECT_EQ(run, 2);
}

TEST(DeterministicEcdsa, SameInputsSameBytesForEveryCurve) {
  for (Curve curve : {Curve::kP256, Curve::kP384, Curve::kP521}) {
    SCOPED_TRACE(std::string(CurveName(curve)));
    Drbg drbg(Bytes(32, 3), "test/ecdsa");
    auto key = DeriveEcKey(drbg, curve);
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    for (HashAlg h : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
      auto a = SignEcdsaDerDeterministic(*key, h, AsBytes("report"));
      auto b = SignEcdsaDerDeterministic(*key, h, AsBytes("report"));
      auto c = SignEcdsaDerDeterministic(*key, h, AsBytes("report2"));
      ASSERT_TRUE(a.ok() && b.ok() && c.ok());
      EXPECT_EQ(*a, *b);
      EXPECT_NE(*a, *c);
      EXPECT_TRUE(VerifyEcdsaDer(key->public_key(), h, AsBytes("report"), *a).ok());
    }
  }
}

TEST(DeterministicEcdsa, RejectsRsaKey) {
  auto rsa = GenerateRsaKey(2048);
  ASSERT_TRUE(rsa.ok());
  auto r = SignEcdsaDerDeterministic(*rsa, HashAlg::kSha256, AsBytes("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(RsaPssWithSalt, SameSaltSameBytesDifferentSaltDiffers) {
  Drbg drbg(Bytes(32, 9), "test/ark");
  auto key = DeriveRsaKey(drbg, 2048);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  Bytes salt(48, 0x33), salt2(48, 0x34);
  ByteView msg = AsBytes("tbsCertificate");
  auto a = SignRsaPssWithSalt(*key, HashAlg::kSha384, HashAlg::kSha384, salt, msg);
  auto b = SignRsaPssWithSalt(*key, HashAlg::kSha384, HashAlg::kSha384, salt, msg);
  auto c = SignRsaPssWithSalt(*key, HashAlg::kSha384, HashAlg::kSha384, salt2, msg);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ASSERT_TRUE(b.ok() && c.ok());
  EXPECT_EQ(a->size(), 256u);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_TRUE(
      VerifyRsaPss(key->public_key(), HashAlg::kSha384, HashAlg::kSha384, 48, msg, *a).ok());
  // The salt length is part of what the verifier checks.
  auto wrong_len = VerifyRsaPss(key->public_key(), HashAlg::kSha384, HashAlg::kSha384, 32, msg, *a);
  ASSERT_FALSE(wrong_len.ok());
  EXPECT_EQ(wrong_len.error().code(), ErrorCode::kVerificationFailed);
  // Empty salt and a different MGF1 hash also round-trip.
  auto d = SignRsaPssWithSalt(*key, HashAlg::kSha256, HashAlg::kSha1, {}, msg);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_TRUE(VerifyRsaPss(key->public_key(), HashAlg::kSha256, HashAlg::kSha1, 0, msg, *d).ok());
  // 2048-bit key: emLen 256 < 64 + 191 + 2.
  auto too_long = SignRsaPssWithSalt(*key, HashAlg::kSha512, HashAlg::kSha512, Bytes(191, 1), msg);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), ErrorCode::kInvalidArgument);
}

// A modulus of 8m + 1 bits makes emLen one byte shorter than the modulus (RFC 8017 9.1.1 with
// emBits = modBits - 1, 8.1.1 step 2a pads it); OpenSSL's PSS verification must agree.
TEST(RsaPssWithSalt, ModulusBitsOneModEight) {
  Drbg drbg(Bytes(32, 10), "test/odd");
  auto key = DeriveRsaKey(drbg, 2049);
  ASSERT_TRUE(key.ok()) << key.error().ToString();
  ASSERT_EQ(key->bits(), 2049u);
  auto sig =
      SignRsaPssWithSalt(*key, HashAlg::kSha384, HashAlg::kSha384, Bytes(48, 5), AsBytes("m"));
  ASSERT_TRUE(sig.ok()) << sig.error().ToString();
  EXPECT_EQ(sig->size(), 257u);
}

}  // namespace
}  // namespace skr::crypto
