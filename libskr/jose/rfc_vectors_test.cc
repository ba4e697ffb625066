// Known-answer tests from the RFC texts (RFC 7515 A.2/A.3, RFC 7517 A/B, RFC 7638 3.1). The
// vectors verify or cross-check themselves (signatures, x5c vs n/e, private vs public), so a
// transcription error fails the test instead of passing silently.
#include <gtest/gtest.h>

#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jwk.h"
#include "libskr/jose/jws.h"
#include "libskr/jose/jwt.h"
#include "libskr/jose/thumbprint.h"

namespace skr::jose {
namespace {

// RFC 7515 A.2.1: the RSA key (also used in A.1 of later drafts).
constexpr char kRfc7515RsaKey[] =
    R"({"kty":"RSA",
"n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
"e":"AQAB",
"d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ",
"p":"4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
"q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc",
"dp":"BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0",
"dq":"h_96-mK1R_7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NKJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU",
"qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U"})";

// RFC 7515 A.2.1 / A.3.1: the JWS Payload (iss joe, exp 1300819380, CRLF line breaks).
constexpr char kRfc7515Payload64[] =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";

constexpr char kRfc7515A2Jws[] =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb"
    "1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QO"
    "YEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

// RFC 7515 A.3.1: the public half of the EC P-256 key and the A.3 JWS. (The private "d" is not
// reproduced here: it could not be transcribed reliably without the RFC text; ECDSA signing is
// randomized anyway, so only verification is a known-answer test.)
constexpr char kRfc7515EcKey[] =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr char kRfc7515A3Jws[] =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// RFC 7517 A.1 (public) and A.2 (private) key sets.
constexpr char kRfc7517N[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPe"
    "bWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY36"
    "8QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4"
    "lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

nlohmann::json Rfc7517PublicSet() {
  return {{"keys",
           {{{"kty", "EC"},
             {"crv", "P-256"},
             {"x", "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"},
             {"y", "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},
             {"use", "enc"},
             {"kid", "1"}},
            {{"kty", "RSA"},
             {"n", kRfc7517N},
             {"e", "AQAB"},
             {"alg", "RS256"},
             {"kid", "2011-04-29"}}}}};
}

nlohmann::json Rfc7517PrivateSet() {
  nlohmann::json set = Rfc7517PublicSet();
  set["keys"][0]["d"] = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE";
  nlohmann::json& rsa = set["keys"][1];
  rsa["d"] =
      "X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLW"
      "Y2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPV"
      "Y3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4"
      "qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q";
  rsa["p"] =
      "83i-7IvMGXoMXCskv73TKr8637FiO7Z27zv8oj6pbWUQyLPQBQxtPVnwD20R-60eTDmD2ujnMt5PoqMrm8RfmNhVWDtj"
      "jMmCMjOpSXicFHj7XOuVIYQyqVWlWEh6dN36GVZYk93N8Bc9vY41xy8B9RzzOGVQzXvNEvn7O0nVbfs";
  rsa["q"] =
      "3dfOR9cuYq-0S-mkFLzgItgMEfFzB2q3hWehMuG0oCuqnb3vobLyumqjVZQO1dIrdwgTnCdpYzBcOfW5r370AFXjiWft"
      "_NGEiovonizhKpo9VVS78TzFgxkIdrecRezsZ-1kYd_s1qDbxtkDEgfAITAG9LUnADun4vIcb6yelxk";
  rsa["dp"] =
      "G4sPXkc6Ya9y8oJW9_ILj4xuppu0lzi_H7VTkS8xj5SdX3coE0oimYwxIi2emTAue0UOa5dpgFGyBJ4c8tQ2VF402XRu"
      "gKDTP8akYhFo5tAA77Qe_NmtuYZc3C3m3I24G2GvR5sSDxUyAN2zq8Lfn9EUms6rY3Ob8YeiKkTiBj0";
  rsa["dq"] =
      "s9lAH9fggBsoFR8Oac2R_E2gw282rT2kGOAhvIllETE1efrA6huUUvMfBcMpn8lqeW6vzznYY5SSQF7pMdC_agI3nG8I"
      "bp1BUb0JUiraRNqUfLhcQb_d9GF4Dh7e74WbRsobRonujTYN1xCaP6TO61jvWrX-L18txXw494Q_cgk";
  rsa["qi"] =
      "GyM_p6JrXySiz1toFgKbWV-JdI3jQ4ypu9rbMWx3rQJBfmt0FoYzgUIZEVFEcOqwemRN81zoDAaa-Bk0KWNGDjJHZDdD"
      "mFhW3AN7lI-puxk_mHZGJ11rxyR8O55XLSe3SPmRfKwZI6yU24ZxvQKFYItdldUKGzO6Ia6zTKhAVRU";
  return set;
}

// RFC 7517 Appendix B: RSA key with a self-signed x5c certificate.
nlohmann::json Rfc7517AppendixB() {
  return {
      {"kty", "RSA"},
      {"use", "sig"},
      {"kid", "1b94c"},
      {"n",
       "vrjOfz9Ccdgx5nQudyhdoR17V-IubWMeOZCwX_jj0hgAsz2J_pqYW08PLbK_"
       "PdiVGKPrqzmDIsLI7sA25VEnHU1uCLNw"
       "BuUiCO11_-7dYbsr4iJmG0Qu2j8DsVyT1azpJC_NG84Ty5KKthuCaPod7iI7w0LK9orSMhBEwwZDCxTWq4aYWAchc8t"
       "-emd9qOvWtVMDC2BXksRngh6X5bUYLy6AyHKvj-nUy1wgzjYQDwHMTplCoLtU-o-8SNnZ1tmRoGE9uJkBLdh5gFENab"
       "WnU5m1ZqZPdwS-qo-meMvVfJb6jJVWRpl2SUtCnYG2C32qvbWbjZ_jBPD5eunqsIo1vQ"},
      {"e", "AQAB"},
      {"x5c",
       {"MIIDQjCCAiqgAwIBAgIGATz/"
        "FuLiMA0GCSqGSIb3DQEBBQUAMGIxCzAJBgNVBAYTAlVTMQswCQYDVQQIEwJDTzEPMA0G"
        "A1UEBxMGRGVudmVyMRwwGgYDVQQKExNQaW5nIElkZW50aXR5IENvcnAuMRcwFQYDVQQDEw5CcmlhbiBDYW1wYmVsbD"
        "Ae"
        "Fw0xMzAyMjEyMzI5MTVaFw0xODA4MTQyMjI5MTVaMGIxCzAJBgNVBAYTAlVTMQswCQYDVQQIEwJDTzEPMA0GA1UEBx"
        "MG"
        "RGVudmVyMRwwGgYDVQQKExNQaW5nIElkZW50aXR5IENvcnAuMRcwFQYDVQQDEw5CcmlhbiBDYW1wYmVsbDCCASIwDQ"
        "YJ"
        "KoZIhvcNAQEBBQADggEPADCCAQoCggEBAL64zn8/QnHYMeZ0LncoXaEde1fiLm1jHjmQsF/"
        "449IYALM9if6amFtPDy2y"
        "vz3YlRij66s5gyLCyO7ANuVRJx1NbgizcAblIgjtdf/u3WG7K+IiZhtELto/"
        "A7Fck9Ws6SQvzRvOE8uSirYbgmj6He4i"
        "O8NCyvaK0jIQRMMGQwsU1quGmFgHIXPLfnpnfajr1rVTAwtgV5LEZ4Iel+W1GC8ugMhyr4/"
        "p1MtcIM42EA8BzE6ZQqC7"
        "VPqPvEjZ2dbZkaBhPbiZAS3YeYBRDWm1p1OZtWamT3cEvqqPpnjL1XyW+oyVVkaZdklLQp2Btgt9qr21m42f4wTw+"
        "Xrp"
        "6rCKNb0CAwEAATANBgkqhkiG9w0BAQUFAAOCAQEAh8zGlfSlcI0o3rYDPBB07aXNswb4ECNIKG0CETTUxmXl9KUL+"
        "9gG"
        "lqCz5iWLOgWsnrcKcY0vXPG9J1r9AqBNTqNgHq2G03X09266X5CpOe1zFo+"
        "Owb1zxtp3PehFdfQJ610CDLEaS9V9Rqp1"
        "7hCyybEpOGVwe8fnk+fbEL2Bo3UPGrpsHzUoaGpDftmWssZkhpBJKVMJyf/"
        "RuP2SmmaIzmnw9JiSlYhzo4tpzd5rFXhj"
        "Rbg4zW9C+2qok+2+qDM1iJ684gPHMIY8aLWrdgQTxkumGmTqgawR+"
        "N5MDtdPTEQ0XfIBc2cJEUyMTY5MPvACWpkA6SdS"
        "4xSvdXK3IVfOWA=="}}};
}

JwsVerifyOptions Allow(std::vector<JwsAlg> algs) {
  JwsVerifyOptions o;
  o.allowed_algs = std::move(algs);
  return o;
}

TEST(Rfc7515, A2Rs256VerifiesAndSignsDeterministically) {
  auto jwk = Jwk::ParseText(kRfc7515RsaKey);
  ASSERT_TRUE(jwk.ok()) << jwk.error().ToString();
  auto pub = jwk->ToPublicKey();
  ASSERT_TRUE(pub.ok());
  auto v = VerifyCompact(kRfc7515A2Jws, *pub, Allow({JwsAlg::kRs256}));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(v->alg, JwsAlg::kRs256);
  auto claims = ParseJwtClaims(v->payload);
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ((*claims)["iss"], "joe");
  EXPECT_EQ((*claims)["exp"], 1300819380);

  // RSASSA-PKCS1-v1_5 is deterministic: re-signing the same input reproduces the RFC signature.
  auto priv = jwk->ToPrivateKey();
  ASSERT_TRUE(priv.ok()) << priv.error().ToString();
  std::string input = std::string("eyJhbGciOiJSUzI1NiJ9.") + kRfc7515Payload64;
  auto sig = crypto::SignRsaPkcs1(*priv, crypto::HashAlg::kSha256, AsBytes(input));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(input + "." + encoding::Base64UrlEncode(*sig), kRfc7515A2Jws);
}

TEST(Rfc7515, A3Es256Verifies) {
  auto jwk = Jwk::ParseText(kRfc7515EcKey);
  ASSERT_TRUE(jwk.ok()) << jwk.error().ToString();
  auto v = VerifyCompactWithJwk(kRfc7515A3Jws, *jwk, Allow({JwsAlg::kEs256}));
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  // The same JWS does not verify under the RS256-only policy, nor with the RSA key.
  auto pub = jwk->ToPublicKey();
  EXPECT_EQ(VerifyCompact(kRfc7515A3Jws, *pub, Allow({JwsAlg::kRs256})).error().code(),
            ErrorCode::kVerificationFailed);
  auto rsa = Jwk::ParseText(kRfc7515RsaKey)->ToPublicKey();
  EXPECT_EQ(VerifyCompact(kRfc7515A3Jws, *rsa, Allow({JwsAlg::kEs256})).error().code(),
            ErrorCode::kVerificationFailed);
}

TEST(Rfc7517, AppendixAPublicAndPrivateKeySets) {
  auto pub = Jwks::Parse(Rfc7517PublicSet());
  ASSERT_TRUE(pub.ok()) << pub.error().ToString();
  ASSERT_EQ(pub->keys().size(), 2u);
  auto ec = pub->FindByKid("1");
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->use(), "enc");
  EXPECT_EQ(ec->ToPublicKey()->type(), crypto::KeyType::kEc);
  auto rsa = pub->FindByKid("2011-04-29");
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(rsa->alg(), "RS256");
  EXPECT_EQ(rsa->ToPublicKey()->bits(), 2048u);
  EXPECT_EQ(pub->FindByKid("2011-04-2").error().code(), ErrorCode::kNotFound);

  auto priv = Jwks::Parse(Rfc7517PrivateSet());
  ASSERT_TRUE(priv.ok()) << priv.error().ToString();
  for (const Jwk& k : priv->keys()) {
    auto key = k.ToPrivateKey();
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    // The private halves belong to the public keys of A.1.
    EXPECT_TRUE(key->public_key().Equals(*pub->FindByKid(*k.kid())->ToPublicKey()));
    // Round trip through our encoder gives the same members.
    auto again = Jwk::FromPrivateKey(*key);
    ASSERT_TRUE(again.ok());
    for (const auto& [name, value] : again->json().items())
      EXPECT_EQ(k.json()[name], value) << name;
  }
}

TEST(Rfc7517, AppendixBX5cMatchesKey) {
  auto jwk = Jwk::Parse(Rfc7517AppendixB());
  ASSERT_TRUE(jwk.ok()) << jwk.error().ToString();
  auto chain = jwk->CertificateChain();
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 1u);
  EXPECT_EQ((*chain)[0].subject_cn(), "Brian Campbell");
  EXPECT_TRUE((*chain)[0].public_key().Equals(*jwk->ToPublicKey()));

  // An x5c-only JWK (the MAA /certs form) takes its key from the certificate.
  nlohmann::json only_cert = Rfc7517AppendixB();
  only_cert.erase("n");
  only_cert.erase("e");
  auto from_cert = Jwk::Parse(only_cert);
  ASSERT_TRUE(from_cert.ok()) << from_cert.error().ToString();
  EXPECT_TRUE(from_cert->ToPublicKey()->Equals(*jwk->ToPublicKey()));

  // x5c[0] whose key differs from n/e is rejected.
  nlohmann::json mismatched = Rfc7517AppendixB();
  mismatched["n"] = kRfc7517N;
  auto bad = Jwk::Parse(mismatched);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(bad.error().message().find("x5c[0]"), std::string::npos);

  // x5c is standard base64: the URL alphabet or missing padding is rejected.
  nlohmann::json url = Rfc7517AppendixB();
  std::string c = url["x5c"][0];
  std::replace(c.begin(), c.end(), '+', '-');
  url["x5c"][0] = c;
  EXPECT_EQ(Jwk::Parse(url).error().code(), ErrorCode::kMalformed);
}

TEST(Rfc7638, Section31Thumbprint) {
  nlohmann::json j = {
      {"kty", "RSA"}, {"n", kRfc7517N}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};
  auto jwk = Jwk::Parse(j);
  ASSERT_TRUE(jwk.ok());
  EXPECT_EQ(JwkThumbprint(*jwk).value(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(JwkThumbprintInput(*jwk).value(),
            std::string(R"({"e":"AQAB","kty":"RSA","n":")") + kRfc7517N + "\"}");
  // Key Vault's 4-byte exponent form is the same key, so the same thumbprint.
  j["e"] = "AAEAAQ";
  EXPECT_EQ(JwkThumbprint(Jwk::Parse(j).value()).value(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Thumbprints, CertificateFormsAgree) {
  auto cert = Jwk::Parse(Rfc7517AppendixB())->CertificateChain()->at(0);
  Bytes sha1 = cert.Fingerprint(crypto::HashAlg::kSha1);
  EXPECT_EQ(encoding::Base64UrlDecode(CertificateX5t(cert)).value(), sha1);
  EXPECT_EQ(CertificateX5t(cert).size(), 27u);  // like the real "tr-9gw8qaFfIu-lVAqtDZC6cSNs"
  EXPECT_EQ(encoding::Base64UrlDecode(CertificateX5tS256(cert)).value(),
            cert.Fingerprint(crypto::HashAlg::kSha256));
  std::string kid = KeyVaultCertificateKid(cert);
  EXPECT_EQ(kid.size(), 40u);
  EXPECT_EQ(kid, encoding::HexEncodeUpper(sha1));
  EXPECT_EQ(kid.find_first_of("abcdef"), std::string::npos);
}

// x5c verification: the chain is checked before the signature, at the caller's time, and x5t
// must match. (No private key for a certificate is at hand, so the positive path is proven by
// reaching the signature check; jws_test covers successful signatures.)
TEST(X5c, ChainTimeAndThumbprintChecks) {
  auto cert = Jwk::Parse(Rfc7517AppendixB())->CertificateChain()->at(0);
  auto other = crypto::GenerateRsaKey(2048).value();
  nlohmann::json header = {{"x5c", Rfc7517AppendixB()["x5c"]}};
  std::vector<x509::Certificate> roots = {cert};
  JwsVerifyOptions opts;
  opts.allowed_algs = {JwsAlg::kRs256};
  std::time_t valid = 1420070400;  // 2015-01-01, inside the certificate's validity
  auto jws = SignCompact(header, AsBytes(std::string("{}")), JwsAlg::kRs256, other).value();
  auto r = VerifyCompactWithX5c(jws, roots, valid, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kVerificationFailed) << r.error().ToString();
  EXPECT_NE(r.error().message().find("signature does not verify"), std::string::npos)
      << r.error().ToString();
  // After notAfter (2018-08-14) the chain fails first.
  auto late = VerifyCompactWithX5c(jws, roots, 1600000000, opts);
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message().find("x5c chain"), std::string::npos) << late.error().ToString();
  // Not chaining to the given roots fails.
  EXPECT_FALSE(VerifyCompactWithX5c(jws, {}, valid, opts).ok());
  // A wrong x5t fails before the signature.
  header["x5t"] = "tr-9gw8qaFfIu-lVAqtDZC6cSNs";
  auto wrong = SignCompact(header, {}, JwsAlg::kRs256, other).value();
  auto w = VerifyCompactWithX5c(wrong, roots, valid, opts);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message().find("x5t"), std::string::npos) << w.error().ToString();
}

}  // namespace
}  // namespace skr::jose
