// Project Wycheproof JOSE vectors: json_web_signature_test.json, json_web_key_test.json,
// json_web_crypto_test.json. Every test group whose algorithm we implement runs; every "valid"
// must verify and every "invalid" must be rejected. Skipped, with counts:
//   * groups whose keys are all kty "oct" (HS256/384/512 MACs, AES keys): HMAC is deliberately not
//     implemented (no SKR party uses symmetric JWS keys, and refusing HS* is what blocks
//     algorithm confusion);
//   * JWE tests ("jwe" member): JWE is not implemented (SKR wraps keys with RSA-OAEP + AES-KWP
//     inside a JWS payload, not JWE).
// No vector in these files is marked "acceptable"; if one appears, either outcome is accepted
// and counted, since Wycheproof leaves those to the library.
#include <gtest/gtest.h>

#include <map>

#include "libskr/jose/jwk.h"
#include "libskr/jose/jws.h"
#include "libskr/testing/wycheproof.h"

namespace skr::jose {
namespace {

using nlohmann::json;

JwsVerifyOptions AllAlgs() {
  JwsVerifyOptions o;
  o.allowed_algs = {JwsAlg::kRs256, JwsAlg::kRs384, JwsAlg::kRs512, JwsAlg::kPs256, JwsAlg::kPs384,
                    JwsAlg::kPs512, JwsAlg::kEs256, JwsAlg::kEs384, JwsAlg::kEs512};
  return o;
}

bool AllOct(const json& key) {
  if (key.contains("keys")) {
    for (const json& k : key["keys"]) {
      if (k.value("kty", "") != "oct") return false;
    }
    return true;
  }
  return key.value("kty", "") == "oct";
}

// The groups' key as Wycheproof gives it: a JWK or a JWK set; public if present.
json GroupKey(const json& group) {
  json key = group.contains("public") ? group["public"] : group["private"];
  // RFC 7520 groups: Wycheproof added "alg" members that are not in RFC 7520 section 3 and do not
  // match the figures ("PS256" for the PS384 Figure 20, the unregistered "ES521" for the ES512
  // Figure 27) while still marking them valid. We enforce a JWK's alg (RFC 7517 4.4), which other
  // groups require (e.g. ps512 tcId 332, wrong_algorithm), so the RFC 7520 keys are used as the
  // RFC prints them, without alg.
  if (group.value("comment", "").rfind("rfc7520", 0) == 0) key.erase("alg");
  return key;
}

Result<VerifiedJws> Verify(const json& key, const json& jws) {
  if (!jws.is_string()) return Unsupported("JWS JSON serialization is not supported");
  if (key.contains("keys")) {
    SKR_ASSIGN_OR_RETURN(Jwks set, Jwks::Parse(key));
    return VerifyCompactWithJwks(jws.get<std::string>(), set, AllAlgs());
  }
  SKR_ASSIGN_OR_RETURN(Jwk jwk, Jwk::Parse(key));
  return VerifyCompactWithJwk(jws.get<std::string>(), jwk, AllAlgs());
}

struct Counts {
  int run = 0, skipped_hmac = 0, skipped_jwe = 0, acceptable = 0;
};

Counts RunFile(const json& file) {
  Counts c;
  for (const json& group : file["testGroups"]) {
    json key = GroupKey(group);
    bool hmac = AllOct(key);
    // Where the group has both halves, the private JWK must parse to the same public key.
    if (!hmac && group.contains("public") && group.contains("private") &&
        !group["private"].contains("keys")) {
      auto pub = Jwk::Parse(group["public"]);
      auto priv = Jwk::Parse(group["private"]);
      if (pub.ok() && priv.ok()) {
        auto k = priv->ToPrivateKey();
        EXPECT_TRUE(k.ok() && k->public_key().Equals(*pub->ToPublicKey()))
            << group["comment"] << ": private JWK does not match the public one";
      }
    }
    for (const json& t : group["tests"]) {
      std::string id = "tcId " + std::to_string(t["tcId"].get<int>()) + " (" +
                       t["comment"].get<std::string>() + ", group " +
                       group["comment"].get<std::string>() + ")";
      if (t.contains("jwe")) {
        ++c.skipped_jwe;
        continue;
      }
      if (hmac) {
        ++c.skipped_hmac;
        continue;
      }
      ++c.run;
      auto r = Verify(key, t["jws"]);
      std::string result = t["result"];
      if (result == "valid") {
        EXPECT_TRUE(r.ok()) << id << ": " << r.error().ToString();
      } else if (result == "invalid") {
        EXPECT_FALSE(r.ok()) << id << " was accepted";
      } else {
        ++c.acceptable;
      }
    }
  }
  return c;
}

TEST(Wycheproof, JsonWebSignature) {
  SKR_WYCHEPROOF_OR_SKIP(file, "json_web_signature_test.json");
  Counts c = RunFile(file);
  // 401 vectors: 40 in HMAC-only groups (hs256 17, rfc7520 Figure 35 twice, base64 21).
  EXPECT_EQ(c.run + c.skipped_hmac, 401);
  EXPECT_EQ(c.skipped_hmac, 40);
  EXPECT_EQ(c.skipped_jwe, 0);
  EXPECT_EQ(c.acceptable, 0);
}

TEST(Wycheproof, JsonWebKey) {
  SKR_WYCHEPROOF_OR_SKIP(file, "json_web_key_test.json");
  Counts c = RunFile(file);
  EXPECT_EQ(c.run + c.skipped_hmac, 26);
  // HMAC keysets (3), HMAC key sizes (9), AES keys used as HS256 keys (2).
  EXPECT_EQ(c.skipped_hmac, 14);
  EXPECT_EQ(c.acceptable, 0);
}

TEST(Wycheproof, JsonWebCrypto) {
  SKR_WYCHEPROOF_OR_SKIP(file, "json_web_crypto_test.json");
  Counts c = RunFile(file);
  EXPECT_EQ(c.skipped_jwe, 34);  // jwe_aes and jwe_ec
  EXPECT_EQ(c.run + c.skipped_hmac + c.skipped_jwe, 83);
  EXPECT_EQ(c.skipped_hmac, 19);  // jws_aes, jws_keyset
  EXPECT_EQ(c.acceptable, 0);
}

// RFC 7520 section 4.1 (RS256, Figure 13), 4.2 (PS384, Figure 20, verify only: PSS is randomized)
// and 4.3 (ES512, Figure 27). The vectors are read from the Wycheproof file, which carries them
// verbatim with the RFC 7520 section 3 keys, rather than retyped from memory.
TEST(Rfc7520, Sections41To43) {
  SKR_WYCHEPROOF_OR_SKIP(file, "json_web_signature_test.json");
  std::map<std::string, JwsAlg> figures = {
      {"Figure13", JwsAlg::kRs256}, {"Figure20", JwsAlg::kPs384}, {"Figure27", JwsAlg::kEs512}};
  int verified = 0;
  for (const json& group : file["testGroups"]) {
    if (group["comment"] != "rfc7520") continue;
    for (const json& t : group["tests"]) {
      auto fig = figures.find(t["comment"].get<std::string>());
      if (fig == figures.end()) continue;
      json key = group["public"];
      key.erase("alg");
      auto jwk = Jwk::Parse(key);
      ASSERT_TRUE(jwk.ok()) << jwk.error().ToString();
      EXPECT_EQ(jwk->kid(), "bilbo.baggins@hobbiton.example");
      JwsVerifyOptions only;
      only.allowed_algs = {fig->second};
      auto v = VerifyCompactWithJwk(t["jws"].get<std::string>(), *jwk, only);
      ASSERT_TRUE(v.ok()) << fig->first << ": " << v.error().ToString();
      EXPECT_EQ(v->alg, fig->second);
      EXPECT_EQ(v->header["kid"], "bilbo.baggins@hobbiton.example");
      // RFC 7520 4: the payload is the "It's a dangerous business, Frodo..." text.
      EXPECT_EQ(AsString(v->payload).rfind("It\xe2\x80\x99s a dangerous business, Frodo", 0), 0u);
      // The private key of the same section signs and verifies (ES512 and PS384 are randomized).
      json priv_json = group["private"];
      priv_json.erase("alg");
      auto priv = Jwk::Parse(priv_json);
      ASSERT_TRUE(priv.ok()) << priv.error().ToString();
      auto signed_jws = SignCompact(json{{"kid", *jwk->kid()}}, v->payload, fig->second,
                                    priv->ToPrivateKey().value());
      ASSERT_TRUE(signed_jws.ok());
      EXPECT_TRUE(VerifyCompactWithJwk(*signed_jws, *jwk, only).ok()) << fig->first;
      ++verified;
    }
  }
  EXPECT_EQ(verified, 3);
}

}  // namespace
}  // namespace skr::jose
