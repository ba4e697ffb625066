// JWT claim validation on both sides of the leeway with fixed clocks, and the real MAA token.
#include "libskr/jose/jwt.h"

#include <gtest/gtest.h>

#include "libskr/jose/jws.h"
#include "libskr/testing/shared_samples.h"

namespace skr::jose {
namespace {

using nlohmann::json;

constexpr int64_t kIat = 1765826648;  // the MAA sample's iat (2025-12-15T19:24:08Z)
constexpr int64_t kExp = kIat + 28800;

JwtValidationOptions At(int64_t now, int64_t leeway = 0) {
  JwtValidationOptions o;
  o.now = now;
  o.leeway_seconds = leeway;
  return o;
}

json Claims() { return {{"iat", kIat}, {"nbf", kIat}, {"exp", kExp}, {"iss", "https://a.b"}}; }

void ExpectViolation(const Result<void>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok()) << "accepted; expected " << fragment;
  EXPECT_EQ(r.error().code(), ErrorCode::kPolicyViolation) << r.error().ToString();
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().ToString();
}

TEST(Jwt, ExpiryBothSidesOfLeeway) {
  EXPECT_TRUE(ValidateJwtClaims(Claims(), At(kExp - 1)).ok());
  ExpectViolation(ValidateJwtClaims(Claims(), At(kExp)),
                  "JWT expired: exp 1765855448 = 2025-12-16T03:24:08Z, now 2025-12-16T03:24:08Z, "
                  "leeway 0 s");
  EXPECT_TRUE(ValidateJwtClaims(Claims(), At(kExp + 59, 60)).ok());
  ExpectViolation(ValidateJwtClaims(Claims(), At(kExp + 60, 60)), "leeway 60 s");
}

TEST(Jwt, NotBeforeAndIssuedAtBothSidesOfLeeway) {
  EXPECT_TRUE(ValidateJwtClaims(Claims(), At(kIat)).ok());
  ExpectViolation(ValidateJwtClaims(Claims(), At(kIat - 1)), "not yet valid: nbf 1765826648");
  EXPECT_TRUE(ValidateJwtClaims(Claims(), At(kIat - 30, 30)).ok());
  ExpectViolation(ValidateJwtClaims(Claims(), At(kIat - 31, 30)), "not yet valid");
  json no_nbf = Claims();
  no_nbf.erase("nbf");
  ExpectViolation(ValidateJwtClaims(no_nbf, At(kIat - 1)), "issued in the future: iat");
}

TEST(Jwt, FractionalDatesAndWrongTypes) {
  json c = Claims();
  c["exp"] = static_cast<double>(kExp) + 0.5;
  EXPECT_TRUE(ValidateJwtClaims(c, At(kExp)).ok());
  ExpectViolation(ValidateJwtClaims(c, At(kExp + 1)), "expired");
  for (json bad : {json("1765855448"), json(true), json(nullptr), json::array({kExp})}) {
    c["exp"] = bad;
    auto r = ValidateJwtClaims(c, At(kIat));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << bad.dump();
  }
  json no_exp = Claims();
  no_exp.erase("exp");
  ExpectViolation(ValidateJwtClaims(no_exp, At(kIat)), "no \"exp\"");
  JwtValidationOptions lax = At(kIat);
  lax.require_exp = false;
  EXPECT_TRUE(ValidateJwtClaims(no_exp, lax).ok());
  EXPECT_EQ(ParseJwtClaims(AsBytes(std::string("[1]"))).error().code(), ErrorCode::kMalformed);
}

TEST(Jwt, IssuerAndAudience) {
  JwtValidationOptions o = At(kIat);
  o.issuer = "https://a.b/";
  ExpectViolation(ValidateJwtClaims(Claims(), o), "issuer \"https://a.b\" is not the expected");
  o.issuer_ignore_trailing_slash = true;  // Key Vault's authority matching (skr-protocol.md 4.2)
  EXPECT_TRUE(ValidateJwtClaims(Claims(), o).ok());
  o.issuer = "https://a.b//";  // only one slash is normalised
  EXPECT_FALSE(ValidateJwtClaims(Claims(), o).ok());
  o.issuer = "https://A.b";
  EXPECT_FALSE(ValidateJwtClaims(Claims(), o).ok());

  JwtValidationOptions a = At(kIat);
  a.audience = "vault";
  ExpectViolation(ValidateJwtClaims(Claims(), a), "no \"aud\"");
  json c = Claims();
  c["aud"] = "vault";
  EXPECT_TRUE(ValidateJwtClaims(c, a).ok());
  c["aud"] = json::array({"x", "vault"});
  EXPECT_TRUE(ValidateJwtClaims(c, a).ok());
  c["aud"] = json::array({"x", "Vault"});
  ExpectViolation(ValidateJwtClaims(c, a), "does not include \"vault\"");
  c["aud"] = json::array({"vault", 1});
  EXPECT_EQ(ValidateJwtClaims(c, a).error().code(), ErrorCode::kMalformed);
}

// The real MAA token (midnight-trusted-setup): structure per skr-protocol.md 3.1/3.2. Its
// signature cannot be verified offline (no MAA JWKS is stored), so the test checks that an
// unrelated key is refused with kVerificationFailed.
TEST(MaaToken, ParsesAndFailsWithUnrelatedKey) {
  SKR_SHARED_FILE_OR_SKIP(path, "evidence-samples/midnight-trusted-setup/attestation.txt");
  std::string token = testing::ReadTextOrDie(path);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  auto jws = ParseCompactJws(token);
  ASSERT_TRUE(jws.ok()) << jws.error().ToString();
  EXPECT_EQ(jws->header["alg"], "RS256");
  EXPECT_EQ(jws->header["typ"], "JWT");
  EXPECT_EQ(jws->header["jku"], "https://sharedeus2.eus2.attest.azure.net/certs");
  ASSERT_TRUE(jws->header["kid"].is_string());
  EXPECT_EQ(jws->header["kid"], "J0pAPdfXXHqWWimgrH853wMIdh5/fLe1z6uSXYPXCa0=");  // standard b64
  EXPECT_EQ(jws->signature.size(), 256u);
  auto claims = ParseJwtClaims(jws->payload);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ((*claims)["x-ms-attestation-type"], "azurevm");
  EXPECT_EQ((*claims)["iat"], kIat);
  EXPECT_EQ((*claims)["exp"].get<int64_t>(), (*claims)["iat"].get<int64_t>() + 28800);
  EXPECT_EQ((*claims)["nbf"], (*claims)["iat"]);

  JwtValidationOptions o = At(kIat + 3600, 60);
  o.issuer = "https://sharedeus2.eus2.attest.azure.net/";
  o.issuer_ignore_trailing_slash = true;
  EXPECT_TRUE(ValidateJwtClaims(*claims, o).ok());
  ExpectViolation(ValidateJwtClaims(*claims, At(kExp + 86400, 60)), "expired");

  auto unrelated = crypto::GenerateRsaKey(2048).value();
  JwsVerifyOptions rs256;
  rs256.allowed_algs = {JwsAlg::kRs256};
  auto v = VerifyCompact(token, unrelated.public_key(), rs256);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code(), ErrorCode::kVerificationFailed) << v.error().ToString();
}

}  // namespace
}  // namespace skr::jose
