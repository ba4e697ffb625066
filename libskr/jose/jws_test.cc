// JWS sign/verify round trips and every rejection rule of jws.h, with fresh keys.
#include "libskr/jose/jws.h"

#include <gtest/gtest.h>

#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/thumbprint.h"

namespace skr::jose {
namespace {

using nlohmann::json;

JwsVerifyOptions Allow(std::vector<JwsAlg> algs) {
  JwsVerifyOptions o;
  o.allowed_algs = std::move(algs);
  return o;
}

class JwsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new crypto::PrivateKey(crypto::GenerateRsaKey(2048).value());
    p256_ = new crypto::PrivateKey(crypto::GenerateEcKey(crypto::Curve::kP256).value());
    p384_ = new crypto::PrivateKey(crypto::GenerateEcKey(crypto::Curve::kP384).value());
    p521_ = new crypto::PrivateKey(crypto::GenerateEcKey(crypto::Curve::kP521).value());
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete p256_;
    delete p384_;
    delete p521_;
  }
  // A JWS whose header is `header` verbatim (no alg added), signed as `alg` with `key`.
  static std::string Forge(const std::string& header, const std::string& payload,
                           const std::string& sig) {
    return encoding::Base64UrlEncode(AsBytes(header)) + "." +
           encoding::Base64UrlEncode(AsBytes(payload)) + "." + sig;
  }
  static std::string Good() {
    return SignCompact(json{{"typ", "JWT"}}, AsBytes(std::string("{}")), JwsAlg::kRs256, *rsa_)
        .value();
  }
  static inline crypto::PrivateKey* rsa_ = nullptr;
  static inline crypto::PrivateKey* p256_ = nullptr;
  static inline crypto::PrivateKey* p384_ = nullptr;
  static inline crypto::PrivateKey* p521_ = nullptr;
};

void ExpectCode(const Result<VerifiedJws>& r, ErrorCode code, const std::string& fragment) {
  ASSERT_FALSE(r.ok()) << "accepted, expected " << ErrorCodeName(code) << " / " << fragment;
  EXPECT_EQ(r.error().code(), code) << r.error().ToString();
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().ToString();
}

TEST_F(JwsTest, RoundTripEveryAlgorithm) {
  struct Case {
    JwsAlg alg;
    const crypto::PrivateKey* key;
  } cases[] = {{JwsAlg::kRs256, rsa_},  {JwsAlg::kRs384, rsa_},  {JwsAlg::kRs512, rsa_},
               {JwsAlg::kPs256, rsa_},  {JwsAlg::kPs384, rsa_},  {JwsAlg::kPs512, rsa_},
               {JwsAlg::kEs256, p256_}, {JwsAlg::kEs384, p384_}, {JwsAlg::kEs512, p521_}};
  Bytes payload = {0x00, 0xff, 0x10, '.', 0x80};  // arbitrary bytes, not JSON
  for (const Case& c : cases) {
    auto jws = SignCompact(json{{"kid", "k1"}}, payload, c.alg, *c.key);
    ASSERT_TRUE(jws.ok()) << JwsAlgName(c.alg) << ": " << jws.error().ToString();
    auto v = VerifyCompact(*jws, c.key->public_key(), Allow({c.alg}));
    ASSERT_TRUE(v.ok()) << JwsAlgName(c.alg) << ": " << v.error().ToString();
    EXPECT_EQ(v->payload, payload);
    EXPECT_EQ(v->header["alg"], JwsAlgName(c.alg));
    EXPECT_EQ(v->header["kid"], "k1");
    // A flipped payload byte fails.
    auto parts = ParseCompactJws(*jws).value();
    Bytes tampered = payload;
    tampered[0] ^= 1;
    std::string bad = jws->substr(0, jws->find('.')) + "." + encoding::Base64UrlEncode(tampered) +
                      jws->substr(jws->rfind('.'));
    ExpectCode(VerifyCompact(bad, c.key->public_key(), Allow({c.alg})),
               ErrorCode::kVerificationFailed, "does not verify");
  }
}

TEST_F(JwsTest, SignRejectsMismatchedHeaderAlgAndKey) {
  EXPECT_EQ(SignCompact(json{{"alg", "RS256"}}, {}, JwsAlg::kEs256, *p256_).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(SignCompact(json::object(), {}, JwsAlg::kEs256, *p384_).ok());
  EXPECT_FALSE(SignCompact(json::object(), {}, JwsAlg::kRs256, *p256_).ok());
}

TEST_F(JwsTest, RejectsAlgNoneInAnyCase) {
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    std::string jws = Forge(std::string(R"({"alg":")") + none + "\"}", "{}", "AA");
    ExpectCode(VerifyCompact(jws, rsa_->public_key(), Allow({JwsAlg::kRs256})),
               ErrorCode::kVerificationFailed, "never accepted");
  }
  // Unsecured JWS with an empty signature segment is malformed before anything else.
  ExpectCode(VerifyCompact(Forge(R"({"alg":"none"})", "{}", ""), rsa_->public_key(),
                           Allow({JwsAlg::kRs256})),
             ErrorCode::kMalformed, "empty signature");
}

TEST_F(JwsTest, RejectsHmacWithAsymmetricKey) {
  // The classic confusion: HMAC keyed with the RSA public key's bytes. Never even computed.
  for (const char* hs : {"HS256", "HS384", "HS512"}) {
    std::string jws = Forge(std::string(R"({"alg":")") + hs + "\"}", "{}", "AAAA");
    ExpectCode(VerifyCompact(jws, rsa_->public_key(), Allow({JwsAlg::kRs256})),
               ErrorCode::kVerificationFailed, "algorithm-confusion");
  }
}

TEST_F(JwsTest, RejectsAlgNotInAllowList) {
  ExpectCode(VerifyCompact(Good(), rsa_->public_key(), Allow({JwsAlg::kPs256})),
             ErrorCode::kVerificationFailed, "not allowed here (allowed: PS256)");
  EXPECT_EQ(VerifyCompact(Good(), rsa_->public_key(), Allow({})).error().code(),
            ErrorCode::kInvalidArgument);
  ExpectCode(VerifyCompact(Forge(R"({"alg":"ES256K"})", "{}", "AAAA"), rsa_->public_key(),
                           Allow({JwsAlg::kRs256})),
             ErrorCode::kUnsupported, "ES256K");
}

TEST_F(JwsTest, RejectsAlgInconsistentWithKey) {
  auto es256 = SignCompact(json::object(), {}, JwsAlg::kEs256, *p256_).value();
  ExpectCode(VerifyCompact(es256, p384_->public_key(), Allow({JwsAlg::kEs256})),
             ErrorCode::kVerificationFailed, "needs curve P-256, the key is on P-384");
  ExpectCode(VerifyCompact(es256, rsa_->public_key(), Allow({JwsAlg::kEs256})),
             ErrorCode::kVerificationFailed, "needs an EC key");
  ExpectCode(VerifyCompact(Good(), p256_->public_key(), Allow({JwsAlg::kRs256})),
             ErrorCode::kVerificationFailed, "needs an RSA key");
  auto es384 = SignCompact(json::object(), {}, JwsAlg::kEs384, *p384_).value();
  ExpectCode(VerifyCompact(es384, p521_->public_key(), Allow({JwsAlg::kEs384})),
             ErrorCode::kVerificationFailed, "needs curve P-384");
}

TEST_F(JwsTest, RejectsUnknownCrit) {
  std::string header = R"({"alg":"RS256","crit":["exp"],"exp":1})";
  std::string input = encoding::Base64UrlEncode(AsBytes(header)) + "." +
                      encoding::Base64UrlEncode(AsBytes(std::string("{}")));
  std::string jws =
      input + "." +
      encoding::Base64UrlEncode(
          crypto::SignRsaPkcs1(*rsa_, crypto::HashAlg::kSha256, AsBytes(input)).value());
  ExpectCode(VerifyCompact(jws, rsa_->public_key(), Allow({JwsAlg::kRs256})),
             ErrorCode::kUnsupported, "critical extension \"exp\"");
  JwsVerifyOptions understood = Allow({JwsAlg::kRs256});
  understood.understood_crit = {"exp"};
  EXPECT_TRUE(VerifyCompact(jws, rsa_->public_key(), understood).ok());
  // Malformed crit values.
  for (const char* h : {R"({"alg":"RS256","crit":[]})", R"({"alg":"RS256","crit":"exp"})",
                        R"({"alg":"RS256","crit":["alg"]})", R"({"alg":"RS256","crit":["x"]})",
                        R"({"alg":"RS256","crit":[1]})"}) {
    auto sig = std::string(344, 'A');
    auto r = VerifyCompact(Forge(h, "{}", sig), rsa_->public_key(), understood);
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.error().code(), ErrorCode::kMalformed) << h << " " << r.error().ToString();
  }
  ExpectCode(VerifyCompact(Forge(R"({"alg":"RS256","b64":false})", "{}", std::string(342, 'A')),
                           rsa_->public_key(), understood),
             ErrorCode::kUnsupported, "b64");
}

TEST_F(JwsTest, RejectsMalformedSegments) {
  std::string good = Good();
  size_t d1 = good.find('.'), d2 = good.rfind('.');
  std::string h = good.substr(0, d1), p = good.substr(d1 + 1, d2 - d1 - 1), s = good.substr(d2 + 1);
  auto key = rsa_->public_key();
  auto opts = Allow({JwsAlg::kRs256});
  ASSERT_TRUE(VerifyCompact(good, key, opts).ok());
  struct Case {
    std::string jws, fragment;
  } cases[] = {
      {h + "." + p, "three"},
      {h + "." + p + "." + s + ".", "three"},
      {h + "." + p + "." + s + "." + s, "three"},
      {"", "three"},
      {"." + p + "." + s, "empty protected header"},
      {h + "." + p + ".", "empty signature"},
      {h + "=." + p + "." + s, "base64url"},
      {h + "." + p + "." + s + "==", "base64url"},
      {h + "." + p + "+." + s, "invalid character"},
      {h + "." + p + "." + s.substr(0, s.size() - 1) + "/", "invalid character"},
      {h + " ." + p + "." + s, "base64url"},
      {encoding::Base64UrlEncode(AsBytes(std::string("{\"alg\":\"RS256\""))) + "." + p + "." + s,
       "not valid JSON"},
      {encoding::Base64UrlEncode(AsBytes(std::string("[\"RS256\"]"))) + "." + p + "." + s,
       "not an object"},
      {encoding::Base64UrlEncode(AsBytes(std::string("\"RS256\""))) + "." + p + "." + s,
       "not an object"},
      {encoding::Base64UrlEncode(AsBytes(std::string("{}"))) + "." + p + "." + s,
       "missing \"alg\""},
      {encoding::Base64UrlEncode(AsBytes(std::string("{\"alg\":256}"))) + "." + p + "." + s,
       "must be a string"},
      // Signature of the wrong length: truncated, and with a leading zero byte added.
      {h + "." + p + "." +
           encoding::Base64UrlEncode(ByteView(encoding::Base64UrlDecode(s).value()).first(255)),
       "expected 256"},
      {h + "." + p + "." +
           encoding::Base64UrlEncode(Concat(Bytes{0}, encoding::Base64UrlDecode(s).value())),
       "expected 256"},
  };
  for (const Case& c : cases)
    ExpectCode(VerifyCompact(c.jws, key, opts), ErrorCode::kMalformed, c.fragment);
  // Trailing non-zero bits in the last base64url character (non-canonical) are rejected too.
  std::string s2 = s;
  s2.back() = s2.back() == 'B' ? 'C' : 'B';
  auto r = VerifyCompact(h + "." + p + "." + s2, key, opts);
  EXPECT_FALSE(r.ok());
}

TEST_F(JwsTest, EcdsaSignatureLengthIsExact) {
  auto jws = SignCompact(json::object(), {}, JwsAlg::kEs256, *p256_).value();
  Bytes sig = ParseCompactJws(jws)->signature;
  ASSERT_EQ(sig.size(), 64u);
  std::string prefix = jws.substr(0, jws.rfind('.') + 1);
  // DER-encoded ECDSA (what OpenSSL emits natively) is not a JWS signature.
  auto der = crypto::EcdsaP1363ToDer(sig).value();
  ExpectCode(VerifyCompact(prefix + encoding::Base64UrlEncode(der), p256_->public_key(),
                           Allow({JwsAlg::kEs256})),
             ErrorCode::kMalformed, "expected 64");
  sig.push_back(0);
  ExpectCode(VerifyCompact(prefix + encoding::Base64UrlEncode(sig), p256_->public_key(),
                           Allow({JwsAlg::kEs256})),
             ErrorCode::kMalformed, "expected 64");
}

TEST_F(JwsTest, RejectsSmallRsaKey) {
  // (Wycheproof keysize_too_small covers a real 1024-bit key; GenerateRsaKey refuses to make one.)
  JwsVerifyOptions strict = Allow({JwsAlg::kRs256});
  strict.min_rsa_bits = 3072;
  ExpectCode(VerifyCompact(Good(), rsa_->public_key(), strict), ErrorCode::kPolicyViolation,
             "2048 bits, at least 3072");
}

TEST_F(JwsTest, JwkRestrictionsAndJwksByKid) {
  Jwk jwk = Jwk::FromPublicKey(rsa_->public_key());
  ASSERT_TRUE(jwk.SetMember("kid", "dRKh+hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo=").ok());
  Jwks set;
  ASSERT_TRUE(set.Add(jwk).ok());
  Jwk other = Jwk::FromPublicKey(p256_->public_key());
  ASSERT_TRUE(other.SetMember("kid", "other").ok());
  ASSERT_TRUE(set.Add(other).ok());
  EXPECT_EQ(set.Add(jwk).error().code(), ErrorCode::kInvalidArgument);  // duplicate kid

  auto opts = Allow({JwsAlg::kRs256});
  auto signed_with_kid = [&](const std::string& kid) {
    return SignCompact(json{{"kid", kid}}, {}, JwsAlg::kRs256, *rsa_).value();
  };
  // MAA kids are standard base64: matched as exact strings.
  EXPECT_TRUE(VerifyCompactWithJwks(signed_with_kid(*jwk.kid()), set, opts).ok());
  ExpectCode(VerifyCompactWithJwks(signed_with_kid("dRKh-hBcWUfQimSl3Iv6ZhStW3TSOt0ThwiTgUUqZAo"),
                                   set, opts),
             ErrorCode::kNotFound, "no key with kid");
  ExpectCode(VerifyCompactWithJwks(Good(), set, opts), ErrorCode::kMalformed, "kid");
  // kid selecting the EC key for an RS256 JWS is an alg/key mismatch.
  ExpectCode(VerifyCompactWithJwks(signed_with_kid("other"), set, opts),
             ErrorCode::kVerificationFailed, "needs an RSA key");

  Jwk enc = jwk;
  ASSERT_TRUE(enc.SetMember("use", "enc").ok());
  ExpectCode(VerifyCompactWithJwk(Good(), enc, opts), ErrorCode::kVerificationFailed, "use");
  Jwk ops = jwk;
  ASSERT_TRUE(ops.SetMember("key_ops", json::array({"encrypt"})).ok());
  ExpectCode(VerifyCompactWithJwk(Good(), ops, opts), ErrorCode::kVerificationFailed, "key_ops");
  Jwk ps = jwk;
  ASSERT_TRUE(ps.SetMember("alg", "PS256").ok());
  ExpectCode(VerifyCompactWithJwk(Good(), ps, Allow({JwsAlg::kRs256, JwsAlg::kPs256})),
             ErrorCode::kVerificationFailed, "restricted to alg \"PS256\"");
  EXPECT_EQ(jwk.SetMember("n", "AQAB").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(jwk.SetMember("kid", 5).error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace skr::jose
