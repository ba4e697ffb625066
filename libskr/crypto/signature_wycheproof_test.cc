// Project Wycheproof signature vectors against the verify functions of signature.h.
// Rule for every file: every `valid` case verifies, every `invalid` case is rejected, and
// `acceptable` cases follow the decision stated at each test. The number of cases run is
// asserted so a loop that silently skips cannot pass.
#include <gtest/gtest.h>

#include <functional>

#include "libskr/crypto/signature.h"
#include "libskr/testing/wycheproof.h"

namespace skr::crypto {
namespace {

enum class Acceptable { kMustAccept, kMustReject };

struct Counts {
  int valid = 0, invalid = 0, acceptable = 0;
  int total() const { return valid + invalid + acceptable; }
};

using VerifyFn = std::function<Result<void>(const PublicKey&, ByteView msg, ByteView sig)>;

// Runs every test of every group; keys come from each group's `publicKeyDer` (SPKI).
Counts RunSignatureFile(const nlohmann::json& vectors, const VerifyFn& verify,
                        Acceptable acceptable) {
  Counts n;
  for (const auto& group : vectors["testGroups"]) {
    auto key = PublicKeyFromSpkiDer(testing::WycheproofHex(group, "publicKeyDer"));
    EXPECT_TRUE(key.ok()) << key.error().ToString();
    if (!key.ok()) continue;
    for (const auto& t : group["tests"]) {
      std::string c = testing::WycheproofCase(t);
      Bytes msg = testing::WycheproofHex(t, "msg");
      Bytes sig = testing::WycheproofHex(t, "sig");
      std::string result = t["result"];
      auto r = verify(*key, msg, sig);
      bool must_accept = result == "valid";
      if (result == "valid") {
        ++n.valid;
      } else if (result == "invalid") {
        ++n.invalid;
      } else {
        EXPECT_EQ(result, "acceptable") << c;
        ++n.acceptable;
        must_accept = acceptable == Acceptable::kMustAccept;
      }
      if (must_accept) {
        EXPECT_TRUE(r.ok()) << c << " (" << result << ") rejected: " << r.error().ToString();
      } else {
        EXPECT_FALSE(r.ok()) << c << " (" << result << ") was accepted";
        if (!r.ok()) {
          EXPECT_TRUE(r.error().code() == ErrorCode::kVerificationFailed ||
                      r.error().code() == ErrorCode::kMalformed)
              << c << ": " << r.error().ToString();
        }
      }
    }
  }
  return n;
}

VerifyFn EcdsaDer(HashAlg h) {
  return [h](const PublicKey& k, ByteView m, ByteView s) { return VerifyEcdsaDer(k, h, m, s); };
}
VerifyFn EcdsaP1363(HashAlg h) {
  return [h](const PublicKey& k, ByteView m, ByteView s) { return VerifyEcdsaP1363(k, h, m, s); };
}

// ECDSA DER files: signatures must be strict DER (BER, missing/extra zeros, trailing bytes are
// `invalid` here). These files have no `acceptable` cases; should one appear we reject it
// (kMustReject), matching our strict-DER contract.
TEST(WycheproofSignature, EcdsaP256Sha256Der) {
  SKR_WYCHEPROOF_OR_SKIP(v, "ecdsa_secp256r1_sha256_test.json");
  Counts n = RunSignatureFile(v, EcdsaDer(HashAlg::kSha256), Acceptable::kMustReject);
  EXPECT_EQ(n.valid, 174);
  EXPECT_EQ(n.invalid, 310);
  EXPECT_EQ(n.total(), v["numberOfTests"].get<int>());
}

TEST(WycheproofSignature, EcdsaP384Sha384Der) {
  SKR_WYCHEPROOF_OR_SKIP(v, "ecdsa_secp384r1_sha384_test.json");
  Counts n = RunSignatureFile(v, EcdsaDer(HashAlg::kSha384), Acceptable::kMustReject);
  EXPECT_EQ(n.valid, 194);
  EXPECT_EQ(n.invalid, 310);
  EXPECT_EQ(n.total(), v["numberOfTests"].get<int>());
}

// P1363 files: r||s must be exactly twice the field size (SignatureSize cases are `invalid`).
// No `acceptable` cases; we would reject them.
TEST(WycheproofSignature, EcdsaP256Sha256P1363) {
  SKR_WYCHEPROOF_OR_SKIP(v, "ecdsa_secp256r1_sha256_p1363_test.json");
  Counts n = RunSignatureFile(v, EcdsaP1363(HashAlg::kSha256), Acceptable::kMustReject);
  EXPECT_EQ(n.valid, 173);
  EXPECT_EQ(n.invalid, 89);
  EXPECT_EQ(n.total(), v["numberOfTests"].get<int>());
}

TEST(WycheproofSignature, EcdsaP384Sha384P1363) {
  SKR_WYCHEPROOF_OR_SKIP(v, "ecdsa_secp384r1_sha384_p1363_test.json");
  Counts n = RunSignatureFile(v, EcdsaP1363(HashAlg::kSha384), Acceptable::kMustReject);
  EXPECT_EQ(n.valid, 193);
  EXPECT_EQ(n.invalid, 87);
  EXPECT_EQ(n.total(), v["numberOfTests"].get<int>());
}

// AMD ARK/ASK signatures: RSASSA-PSS, SHA-384, MGF1-SHA-384, salt exactly 48 bytes.
// No `acceptable` cases; we would reject them.
TEST(WycheproofSignature, RsaPss4096Sha384Salt48) {
  SKR_WYCHEPROOF_OR_SKIP(v, "rsa_pss_4096_sha384_mgf1_48_test.json");
  const auto& g = v["testGroups"][0];
  ASSERT_EQ(g["sLen"].get<int>(), 48);
  ASSERT_EQ(g["sha"], "SHA-384");
  ASSERT_EQ(g["mgfSha"], "SHA-384");
  Counts n = RunSignatureFile(
      v,
      [](const PublicKey& k, ByteView m, ByteView s) {
        return VerifyRsaPss(k, HashAlg::kSha384, HashAlg::kSha384, 48, m, s);
      },
      Acceptable::kMustReject);
  EXPECT_EQ(n.valid, 95);
  EXPECT_EQ(n.invalid, 46);
  EXPECT_EQ(n.total(), v["numberOfTests"].get<int>());
}

// RS256. The one `acceptable` case is MissingNull: a DigestInfo whose AlgorithmIdentifier omits
// the NULL parameters. We REJECT it: RFC 8017 9.2 note 1 gives the DigestInfo encodings with
// NULL, and we compare against exactly that encoding (as Go's crypto/rsa and BoringSSL do).
TEST(WycheproofSignature, RsaPkcs1_2048Sha256) {
  SKR_WYCHEPROOF_OR_SKIP(v, "rsa_signature_2048_sha256_test.json");
  Counts n = RunSignatureFile(
      v,
      [](const PublicKey& k, ByteView m, ByteView s) {
        return VerifyRsaPkcs1(k, HashAlg::kSha256, m, s);
      },
      Acceptable::kMustReject);
  EXPECT_EQ(n.valid, 9);
  EXPECT_EQ(n.invalid, 249);
  EXPECT_EQ(n.acceptable, 1);
  EXPECT_EQ(n.total(), v["numberOfTests"].get<int>());
}

}  // namespace
}  // namespace skr::crypto
