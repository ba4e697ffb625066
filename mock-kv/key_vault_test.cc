// In-process tests of mock-kv over HTTP: an in-test OIDC attestation issuer (libskr/http, HTTPS
// with a generated CA), bearer and attestation tokens minted with libskr/jose, a fixed clock.
#include "mock-kv/key_vault.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "libskr/base/files.h"
#include "libskr/crypto/derive.h"
#include "libskr/crypto/drbg.h"
#include "libskr/crypto/rsa_encrypt.h"
#include "libskr/encoding/encoding.h"
#include "libskr/http/client.h"
#include "libskr/http/test_tls.h"
#include "libskr/jose/jws.h"
#include "libskr/jose/thumbprint.h"
#include "mock-kv/key_hsm.h"

namespace skr::mock_kv {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1767323045;  // 2026-01-02T03:04:05Z
constexpr char kOid[] = "11111111-2222-3333-4444-555555555555";
constexpr char kTenant[] = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const Bytes kSeed = {7, 7, 7};

crypto::PrivateKey DeriveRsa(const std::string& label) {
  crypto::Drbg d(Bytes{1, 2, 3}, label);
  return *crypto::DeriveRsaKey(d, 2048);
}
// Keys shared by all tests (RSA derivation is slow).
const crypto::PrivateKey& IdpKey() {
  static auto* k = new crypto::PrivateKey(DeriveRsa("test/idp"));
  return *k;
}
const crypto::PrivateKey& MaaKey() {
  static auto* k = new crypto::PrivateKey(DeriveRsa("test/maa"));
  return *k;
}
const crypto::PrivateKey& OtherKey() {
  static auto* k = new crypto::PrivateKey(DeriveRsa("test/other"));
  return *k;
}
const crypto::PrivateKey& RuntimeKey() {
  static auto* k = new crypto::PrivateKey(DeriveRsa("test/runtime"));
  return *k;
}

// The guest side of key_hsm (libskr/kv) with the runtime private key.
Result<Bytes> UnwrapKeyHsm(const std::string& key_hsm, const crypto::PrivateKey& key) {
  SKR_ASSIGN_OR_RETURN(kv::KeyHsmBlob blob, kv::ParseKeyHsm(key_hsm));
  return kv::UnwrapKeyHsm(blob, (key.bits() + 7) / 8, [&](crypto::HashAlg h, ByteView ct) {
    crypto::OaepParams p;
    p.hash = h;
    return crypto::RsaOaepDecrypt(key, p, ct);
  });
}

jose::Jwk PublicJwkWithKid(const crypto::PrivateKey& k, const std::string& kid) {
  jose::Jwk j = jose::Jwk::FromPublicKey(k.public_key());
  EXPECT_TRUE(j.SetMember("kid", kid).ok());
  return j;
}

std::string Sign(const json& claims, const crypto::PrivateKey& key, const std::string& kid,
                 jose::JwsAlg alg = jose::JwsAlg::kRs256) {
  json header = {{"typ", "JWT"}, {"kid", kid}};
  auto t = jose::SignCompact(header, AsBytes(claims.dump()), alg, key);
  EXPECT_TRUE(t.ok()) << t.error().ToString();
  return *t;
}

std::string Bearer(const std::string& oid = kOid,
                   const std::string& aud = "https://vault.azure.net", int64_t exp = kNow + 3600,
                   const crypto::PrivateKey* key = nullptr) {
  json c = {{"aud", aud},       {"iss", std::string("https://sts.windows.net/") + kTenant + "/"},
            {"iat", kNow - 60}, {"nbf", kNow - 60},
            {"exp", exp},       {"oid", oid},
            {"appid", "app-1"}, {"tid", kTenant}};
  return "Bearer " + Sign(c, key ? *key : IdpKey(), "idp-1");
}

std::string Policy(const std::string& authority, const std::string& type = "sevsnpvm") {
  json p = {{"version", "1.0.0"},
            {"anyOf",
             {{{"authority", authority},
               {"allOf",
                {{{"claim", "x-ms-isolation-tee.x-ms-attestation-type"}, {"equals", type}},
                 {{"claim", "x-ms-isolation-tee.x-ms-compliance-status"},
                  {"equals", "azure-compliant-cvm"}}}}}}}};
  return encoding::Base64UrlEncode(AsBytes(p.dump()));
}

// An attestation service: OIDC discovery + JWKS over HTTPS.
class FakeMaa {
 public:
  explicit FakeMaa(const std::string& label) {
    tls_ = *http::MakeServerTls(Bytes{4, 5, 6}, http::DefaultTlsHostnames(), label);
    http::ServerOptions o;
    o.tls = tls_.identity;
    auto s = http::Server::Start(o, [this](httplib::Server& svr) {
      svr.Get("/.well-known/openid-configuration",
              [this](const httplib::Request&, httplib::Response& res) {
                res.set_content(json{{"issuer", url()}, {"jwks_uri", url() + "/certs"}}.dump(),
                                "application/json");
              });
      svr.Get("/certs", [this](const httplib::Request&, httplib::Response& res) {
        ++certs_requests_;
        jose::Jwks jwks;
        EXPECT_TRUE(jwks.Add(PublicJwkWithKid(MaaKey(), "maa-1")).ok());
        res.set_content(jwks.ToString(), "application/json");
      });
    });
    EXPECT_TRUE(s.ok()) << s.error().ToString();
    server_ = std::move(s).value();
  }
  std::string url() const { return server_->url(); }
  const std::string& ca() const { return tls_.ca_cert_pem; }

  json Claims() const {
    json runtime_key = PublicJwkWithKid(RuntimeKey(), "TpmEphemeralEncryptionKey").json();
    runtime_key["use"] = "enc";
    runtime_key["key_ops"] = {"encrypt"};
    return {{"iss", url()},
            {"iat", kNow - 100},
            {"nbf", kNow - 100},
            {"exp", kNow + 28800},
            {"x-ms-isolation-tee",
             {{"x-ms-attestation-type", "sevsnpvm"},
              {"x-ms-compliance-status", "azure-compliant-cvm"}}},
            {"x-ms-runtime",
             {{"keys",
               {{{"kid", "HCLAkPub"},
                 {"kty", "RSA"},
                 {"key_ops", {"sign"}},
                 {"n", runtime_key["n"]},
                 {"e", runtime_key["e"]}},
                runtime_key}}}}};
  }
  std::string Token(const json& claims) const { return Sign(claims, MaaKey(), "maa-1"); }
  std::string Token() const { return Token(Claims()); }
  int certs_requests() const { return certs_requests_.load(); }

 private:
  http::ServerTls tls_;
  std::atomic<int> certs_requests_{0};
  std::unique_ptr<http::Server> server_;
};

class KeyVaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    maa_ = new FakeMaa("maa");
    untrusted_maa_ = new FakeMaa("untrusted");
  }
  static void TearDownTestSuite() {
    delete maa_;
    delete untrusted_maa_;
  }

  KeyVaultOptions Options() {
    KeyVaultOptions o;
    o.seed = kSeed;
    o.clock = clock_;
    o.attestation.trusted_issuers = {maa_->url() + "/"};  // trailing slash normalised
    o.attestation.ca_bundle_pem = maa_->ca();
    o.identity.tenant_id = kTenant;
    jose::Jwks idp;
    EXPECT_TRUE(idp.Add(PublicJwkWithKid(IdpKey(), "idp-1")).ok());
    o.identity.jwks = idp;
    o.access_policies = {
        {kOid,
         {"get", "list", "create", "import", "update", "delete", "recover", "purge", "release"}},
        {"no-release", {"get", "list", "create"}}};
    o.server.max_payload_bytes = 64 * 1024;
    return o;
  }

  void SetUp() override { Start(Options()); }

  void Start(KeyVaultOptions o) {
    kv_.reset();
    auto s = KeyVaultService::Start(std::move(o));
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    kv_ = std::move(s).value();
    client_ = std::make_unique<http::Client>(*http::Client::Create(kv_->url()));
  }

  http::Response Call(const std::string& method, const std::string& path,
                      const json& body = nullptr, const std::string& api = "7.4",
                      const std::string& auth = Bearer()) {
    std::string full =
        path + (path.find('?') == std::string::npos ? "?" : "&") + "api-version=" + api;
    if (api.empty()) full = path;
    http::Headers h;
    if (!auth.empty()) h.push_back({"Authorization", auth});
    auto r = client_->Request(method, full, h, body.is_null() ? "" : body.dump());
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return *r;
  }
  http::Response CallRaw(const std::string& method, const std::string& path,
                         const std::string& body) {
    auto r =
        client_->Request(method, path + "?api-version=7.4", {{"Authorization", Bearer()}}, body);
    EXPECT_TRUE(r.ok());
    return *r;
  }

  static json Body(const http::Response& r) {
    json j = json::parse(r.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.body;
    return j;
  }
  static void ExpectError(const http::Response& r, int status, const std::string& code,
                          const std::string& message_part = "") {
    EXPECT_EQ(r.status, status) << r.body;
    json j = Body(r);
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    if (!message_part.empty()) {
      EXPECT_NE(j["error"]["message"].get<std::string>().find(message_part), std::string::npos)
          << r.body;
    }
    EXPECT_FALSE(j.contains("value")) << "something was released: " << r.body;
  }

  json CreateExportable(const std::string& name, const json& extra = json::object()) {
    json body = {{"kty", "RSA-HSM"},
                 {"key_size", 2048},
                 {"attributes", {{"exportable", true}}},
                 {"release_policy", {{"data", Policy(maa_->url())}}}};
    body.update(extra);
    auto r = Call("POST", "/keys/" + name + "/create", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }

  json Release(const std::string& path, const json& body) {
    auto r = Call("POST", path, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }

  // Verifies the release JWS (x5c chain to the vault's root) and returns its payload.
  json VerifyReleaseJws(const std::string& jws) {
    auto chain = kv_->release_signing_chain();
    std::vector<x509::Certificate> roots = {chain.back()};
    jose::JwsVerifyOptions vo;
    vo.allowed_algs = {jose::JwsAlg::kRs256};
    auto v = jose::VerifyCompactWithX5c(jws, roots, kNow, vo);
    EXPECT_TRUE(v.ok()) << v.error().ToString();
    if (!v.ok()) return json();
    EXPECT_EQ(v->jws.header["kid"], jose::KeyVaultCertificateKid(chain.front()));
    EXPECT_EQ(v->jws.header["x5t"], jose::CertificateX5t(chain.front()));
    EXPECT_EQ(v->jws.header["x5t#S256"], jose::CertificateX5tS256(chain.front()));
    EXPECT_EQ(v->jws.header["typ"], "JWT");
    EXPECT_EQ(v->jws.header["x5c"].size(), 2u);
    return json::parse(AsString(v->jws.payload));
  }

  static FakeMaa* maa_;
  static FakeMaa* untrusted_maa_;
  std::shared_ptr<FixedClock> clock_ = std::make_shared<FixedClock>(kNow);
  std::unique_ptr<KeyVaultService> kv_;
  std::unique_ptr<http::Client> client_;
};

FakeMaa* KeyVaultTest::maa_ = nullptr;
FakeMaa* KeyVaultTest::untrusted_maa_ = nullptr;

// ---------------------------------------------------------------- keys API

TEST_F(KeyVaultTest, CreateGetListUpdateDeleteRecoverPurge) {
  auto created = Call("POST", "/keys/k1/create",
                      {{"kty", "EC-HSM"}, {"crv", "P-256"}, {"tags", {{"team", "a"}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Header("Content-Type"), "application/json; charset=utf-8");
  json c = Body(created);
  std::string kid = c["key"]["kid"];
  ASSERT_EQ(kid.rfind(kv_->vault_url() + "/keys/k1/", 0), 0u) << kid;
  std::string version = kid.substr(kid.rfind('/') + 1);
  EXPECT_EQ(version.size(), 32u);
  EXPECT_EQ(c["key"]["kty"], "EC-HSM");
  EXPECT_EQ(c["key"]["crv"], "P-256");
  EXPECT_EQ(c["key"]["key_ops"], json({"sign", "verify"}));
  EXPECT_FALSE(c["key"].contains("d"));
  EXPECT_EQ(c["attributes"]["enabled"], true);
  EXPECT_EQ(c["attributes"]["created"], kNow);
  EXPECT_EQ(c["attributes"]["updated"], kNow);
  EXPECT_EQ(c["attributes"]["recoveryLevel"], "Recoverable+Purgeable");
  EXPECT_EQ(c["attributes"]["recoverableDays"], 90);
  EXPECT_EQ(c["attributes"]["exportable"], false);
  EXPECT_EQ(c["tags"]["team"], "a");
  EXPECT_FALSE(c.contains("release_policy"));

  // Second version; get latest, by version, list, list versions.
  clock_->Advance(10);
  json c2 = Body(Call("POST", "/keys/k1/create", {{"kty", "EC-HSM"}, {"crv", "P-384"}}));
  std::string kid2 = c2["key"]["kid"];
  EXPECT_NE(kid2, kid);
  EXPECT_EQ(Body(Call("GET", "/keys/k1"))["key"]["kid"], kid2);
  EXPECT_EQ(Body(Call("GET", "/keys/k1/"))["key"]["kid"], kid2);
  EXPECT_EQ(Body(Call("GET", "/keys/k1/" + version))["key"]["kid"], kid);
  ExpectError(Call("GET", "/keys/k1/0123456789abcdef0123456789abcdef"), 404, "KeyNotFound");
  Call("POST", "/keys/k2/create", {{"kty", "EC-HSM"}});
  json list = Body(Call("GET", "/keys"));
  ASSERT_EQ(list["value"].size(), 2u);
  EXPECT_EQ(list["value"][0]["kid"], kv_->vault_url() + "/keys/k1");
  EXPECT_TRUE(list.contains("nextLink"));
  json versions = Body(Call("GET", "/keys/k1/versions"));
  ASSERT_EQ(versions["value"].size(), 2u);
  EXPECT_EQ(versions["value"][0]["kid"], kid);

  // Update attributes, tags, key_ops.
  clock_->Advance(5);
  auto up =
      Call("PATCH", "/keys/k1/" + version,
           {{"attributes", {{"enabled", false}}}, {"tags", {{"x", "y"}}}, {"key_ops", {"sign"}}});
  ASSERT_EQ(up.status, 200) << up.body;
  json u = Body(up);
  EXPECT_EQ(u["attributes"]["enabled"], false);
  EXPECT_EQ(u["attributes"]["updated"], kNow + 15);
  EXPECT_EQ(u["attributes"]["created"], kNow);
  EXPECT_EQ(u["tags"], json({{"x", "y"}}));
  EXPECT_EQ(u["key"]["key_ops"], json({"sign"}));
  ExpectError(Call("PATCH", "/keys/k1", {{"key_ops", {"fly"}}}), 400, "BadParameter");

  // Delete -> deleted bundle; get fails; deleted get/list; name cannot be reused.
  auto del = Call("DELETE", "/keys/k1");
  ASSERT_EQ(del.status, 200) << del.body;
  json d = Body(del);
  EXPECT_EQ(d["recoveryId"], kv_->vault_url() + "/deletedkeys/k1");
  EXPECT_EQ(d["deletedDate"], kNow + 15);
  EXPECT_EQ(d["scheduledPurgeDate"], kNow + 15 + 90 * 86400);
  EXPECT_EQ(d["key"]["kid"], kid2);
  ExpectError(Call("GET", "/keys/k1"), 404, "KeyNotFound", "A key with (name/id) k1 was not found");
  ExpectError(Call("DELETE", "/keys/k1"), 404, "KeyNotFound");
  EXPECT_EQ(Body(Call("GET", "/deletedkeys/k1"))["recoveryId"], d["recoveryId"]);
  json dl = Body(Call("GET", "/deletedkeys"));
  ASSERT_EQ(dl["value"].size(), 1u);
  EXPECT_EQ(dl["value"][0]["kid"], kv_->vault_url() + "/keys/k1");
  auto conflict = Call("POST", "/keys/k1/create", {{"kty", "EC-HSM"}});
  ExpectError(conflict, 409, "Conflict", "deleted but recoverable");
  EXPECT_EQ(Body(conflict)["error"]["innererror"]["code"], "ObjectIsDeletedButRecoverable");
  EXPECT_EQ(Body(Call("GET", "/keys"))["value"].size(), 1u);

  // Recover -> usable again; purge needs a deleted key.
  auto rec = Call("POST", "/deletedkeys/k1/recover");
  ASSERT_EQ(rec.status, 200) << rec.body;
  EXPECT_EQ(Body(rec)["key"]["kid"], kid2);
  EXPECT_EQ(Call("GET", "/keys/k1").status, 200);
  ExpectError(Call("GET", "/deletedkeys/k1"), 404, "KeyNotFound");
  ExpectError(Call("DELETE", "/deletedkeys/k1"), 404, "KeyNotFound");
  ASSERT_EQ(Call("DELETE", "/keys/k1").status, 200);
  auto purge = Call("DELETE", "/deletedkeys/k1");
  EXPECT_EQ(purge.status, 204);
  ExpectError(Call("GET", "/deletedkeys/k1"), 404, "KeyNotFound");
  EXPECT_EQ(Call("POST", "/keys/k1/create", {{"kty", "EC-HSM"}}).status, 200);
}

TEST_F(KeyVaultTest, SoftDeletedKeysArePurgedAfterRetention) {
  ASSERT_EQ(Call("POST", "/keys/gone/create", {{"kty", "EC-HSM"}}).status, 200);
  ASSERT_EQ(Call("DELETE", "/keys/gone").status, 200);
  const std::string later = Bearer(kOid, "https://vault.azure.net", kNow + 100 * 86400);
  clock_->Advance(90 * 86400 - 1);
  EXPECT_EQ(Call("GET", "/deletedkeys/gone", nullptr, "7.4", later).status, 200);
  clock_->Advance(1);
  ExpectError(Call("GET", "/deletedkeys/gone", nullptr, "7.4", later), 404, "KeyNotFound");
  ExpectError(Call("GET", "/keys/gone", nullptr, "7.4", later), 404, "KeyNotFound");
  EXPECT_EQ(Call("POST", "/keys/gone/create", {{"kty", "EC-HSM"}}, "7.4", later).status, 200);
}

TEST_F(KeyVaultTest, KeyTypesAndSizes) {
  struct Case {
    json body;
    std::string kty;
  };
  std::vector<Case> ok = {
      {{{"kty", "RSA-HSM"}}, "RSA-HSM"},
      {{{"kty", "RSA"}, {"key_size", 2048}}, "RSA"},
      {{{"kty", "RSA-HSM"}, {"key_size", 3072}}, "RSA-HSM"},
      {{{"kty", "RSA-HSM"}, {"key_size", 4096}}, "RSA-HSM"},
      {{{"kty", "EC"}, {"crv", "P-384"}}, "EC"},
      {{{"kty", "EC-HSM"}, {"crv", "P-521"}}, "EC-HSM"},
      {{{"kty", "EC-HSM"}, {"key_size", 384}}, "EC-HSM"},
      {{{"kty", "oct-HSM"}, {"key_size", 128}}, "oct-HSM"},
      {{{"kty", "oct-HSM"}, {"key_size", 192}}, "oct-HSM"},
      {{{"kty", "oct-HSM"}}, "oct-HSM"},
  };
  int i = 0;
  for (const auto& c : ok) {
    std::string name = "t" + std::to_string(i++);
    auto r = Call("POST", "/keys/" + name + "/create", c.body);
    ASSERT_EQ(r.status, 200) << c.body.dump() << " " << r.body;
    json b = Body(r);
    EXPECT_EQ(b["key"]["kty"], c.kty);
    auto material = kv_->ExportKeyMaterial(name);
    ASSERT_TRUE(material.ok());
    if (c.kty.rfind("RSA", 0) == 0) {
      EXPECT_EQ(b["key"]["e"], "AAEAAQ");  // 4-byte exponent as Key Vault returns it
      auto k = crypto::PrivateKeyFromPkcs8Der(*material);
      ASSERT_TRUE(k.ok());
      EXPECT_EQ(k->bits(), c.body.value("key_size", size_t{2048}));
    } else if (c.kty.rfind("EC", 0) == 0) {
      EXPECT_TRUE(b["key"].contains("x") && b["key"].contains("y"));
    } else {
      EXPECT_FALSE(b["key"].contains("k"));
      size_t bits = c.body.value("key_size", 256);
      EXPECT_EQ(material->size(), bits / 8);
    }
  }
  for (const json& bad :
       {json{{"kty", "RSA-HSM"}, {"key_size", 1024}},
        json{{"kty", "RSA-HSM"}, {"key_size", "2048"}}, json{{"kty", "EC-HSM"}, {"crv", "P-256K"}},
        json{{"kty", "oct-HSM"}, {"key_size", 512}}, json{{"kty", "oct"}}, json{{"kty", "DSA"}},
        json::object(), json{{"kty", "EC-HSM"}, {"key_ops", {"sign", "explode"}}},
        json{{"kty", "EC-HSM"}, {"attributes", {{"enabled", "yes"}}}}}) {
    ExpectError(Call("POST", "/keys/bad/create", bad), 400, "BadParameter");
  }
  ExpectError(Call("POST", "/keys/bad_name/create", {{"kty", "EC-HSM"}}), 400, "BadParameter",
              "invalid name");
  ExpectError(Call("GET", "/keys/bad"), 404, "KeyNotFound");
}

TEST_F(KeyVaultTest, KeysAreDeterministicFromSeedNameAndVersion) {
  json a = Body(Call("POST", "/keys/det/create", {{"kty", "RSA-HSM"}}));
  Bytes material_a = *kv_->ExportKeyMaterial("det");
  Start(Options());  // a fresh in-memory vault with the same seed
  json b = Body(Call("POST", "/keys/det/create", {{"kty", "RSA-HSM"}}));
  EXPECT_EQ(a["key"]["n"], b["key"]["n"]);
  EXPECT_EQ(
      a["key"]["kid"].get<std::string>().substr(a["key"]["kid"].get<std::string>().rfind('/')),
      b["key"]["kid"].get<std::string>().substr(b["key"]["kid"].get<std::string>().rfind('/')));
  EXPECT_EQ(material_a, *kv_->ExportKeyMaterial("det"));
  json b2 = Body(Call("POST", "/keys/det/create", {{"kty", "RSA-HSM"}}));
  EXPECT_NE(b2["key"]["n"], b["key"]["n"]);
  KeyVaultOptions other = Options();
  other.seed = {9};
  Start(other);
  json c = Body(Call("POST", "/keys/det/create", {{"kty", "RSA-HSM"}}));
  EXPECT_NE(c["key"]["n"], a["key"]["n"]);
}

TEST_F(KeyVaultTest, ImportRsaEcAndOct) {
  auto jwk = jose::Jwk::FromPrivateKey(RuntimeKey());
  ASSERT_TRUE(jwk.ok());
  json key = jwk->json();
  auto r = Call("PUT", "/keys/imp",
                {{"key", key},
                 {"Hsm", true},
                 {"attributes", {{"exportable", true}}},
                 {"release_policy", {{"data", Policy(maa_->url())}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  json b = Body(r);
  EXPECT_EQ(b["key"]["kty"], "RSA-HSM");
  EXPECT_FALSE(b["key"].contains("d"));
  EXPECT_EQ(b["attributes"]["exportable"], true);
  EXPECT_EQ(*kv_->ExportKeyMaterial("imp"), RuntimeKey().ToPkcs8Der());

  json oct = {{"kty", "oct"}, {"k", encoding::Base64UrlEncode(Bytes(32, 0x42))}};
  auto ro = Call("PUT", "/keys/imp-oct", {{"key", oct}});
  ASSERT_EQ(ro.status, 200) << ro.body;
  EXPECT_EQ(Body(ro)["key"]["kty"], "oct-HSM");
  EXPECT_EQ(*kv_->ExportKeyMaterial("imp-oct"), Bytes(32, 0x42));

  ExpectError(Call("PUT", "/keys/imp2", {{"key", jwk->PublicOnly().json()}}), 400, "BadParameter");
  ExpectError(Call("PUT", "/keys/imp2", json::object()), 400, "BadParameter");
  // Import follows the same release rules.
  ExpectError(Call("PUT", "/keys/imp2",
                   {{"key", key}, {"Hsm", true}, {"attributes", {{"exportable", true}}}}),
              400, "BadParameter", "AKV.SKR.1004");
}

// ---------------------------------------------------------------- AKV.SKR rules

TEST_F(KeyVaultTest, ExportableAndReleasePolicyRules) {
  ExpectError(
      Call("POST", "/keys/x/create", {{"kty", "RSA-HSM"}, {"attributes", {{"exportable", true}}}}),
      400, "BadParameter", "AKV.SKR.1004: Exportable keys must have release policy.");
  ExpectError(Call("POST", "/keys/x/create",
                   {{"kty", "RSA-HSM"}, {"release_policy", {{"data", Policy(maa_->url())}}}}),
              400, "BadParameter",
              "AKV.SKR.1005: Non-exportable keys must not have release policy.");
  ExpectError(Call("POST", "/keys/x/create",
                   {{"kty", "RSA"},
                    {"attributes", {{"exportable", true}}},
                    {"release_policy", {{"data", Policy(maa_->url())}}}}),
              400, "BadParameter", "AKV.SKR.1006");
  ExpectError(
      Call("POST", "/keys/x/create",
           {{"kty", "RSA-HSM"},
            {"attributes", {{"exportable", true}}},
            {"release_policy", {{"data", encoding::Base64UrlEncode(AsBytes("{\"anyOf\":[]}"))}}}}),
      400, "BadParameter", "release policy");
  ExpectError(Call("GET", "/keys/x"), 404, "KeyNotFound");  // nothing was created

  json c = CreateExportable("exp");
  EXPECT_EQ(c["attributes"]["exportable"], true);
  EXPECT_EQ(c["release_policy"]["contentType"], "application/json; charset=utf-8");
  EXPECT_EQ(c["release_policy"]["immutable"], false);
  // The stored policy is the canonical re-serialization.
  auto data = encoding::Base64UrlDecode(c["release_policy"]["data"].get<std::string>());
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(AsString(*data).rfind("{\"version\":\"1.0.0\",\"anyOf\":[{\"authority\":", 0), 0u);
  // A second version inherits the policy.
  json v2 = Body(Call("POST", "/keys/exp/create",
                      {{"kty", "RSA-HSM"}, {"attributes", {{"exportable", true}}}}));
  EXPECT_EQ(v2["release_policy"]["data"], c["release_policy"]["data"]);

  ExpectError(Call("PATCH", "/keys/exp", {{"attributes", {{"exportable", false}}}}), 400,
              "BadParameter", "AKV.SKR.1014: Cannot modify the exportable state of a key.");
  // Policy update, then make it immutable, then no more changes.
  auto up =
      Call("PATCH", "/keys/exp",
           {{"release_policy", {{"data", Policy(maa_->url(), "tdxvm")}, {"immutable", true}}}});
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(Body(up)["release_policy"]["immutable"], true);
  ExpectError(Call("PATCH", "/keys/exp", {{"release_policy", {{"data", Policy(maa_->url())}}}}),
              400, "BadParameter",
              "AKV.SKR.1020: Immutable Key Release Policy cannot be modified.");
  EXPECT_EQ(Call("PATCH", "/keys/exp", {{"tags", {{"a", "b"}}}}).status, 200);

  Call("POST", "/keys/plain/create", {{"kty", "RSA-HSM"}});
  ExpectError(Call("PATCH", "/keys/plain", {{"release_policy", {{"data", Policy(maa_->url())}}}}),
              400, "BadParameter", "AKV.SKR.1005");
  ExpectError(Call("PATCH", "/keys/plain", {{"attributes", {{"exportable", true}}}}), 400,
              "BadParameter", "AKV.SKR.1014");
}

TEST_F(KeyVaultTest, StandardVaultRefusesHsmAndExportable) {
  KeyVaultOptions o = Options();
  o.premium = false;
  Start(o);
  ExpectError(Call("POST", "/keys/h/create", {{"kty", "RSA-HSM"}}), 403, "Forbidden",
              "Hardware key operation not allowed on standard vault");
  ExpectError(Call("POST", "/keys/h/create",
                   {{"kty", "RSA"},
                    {"attributes", {{"exportable", true}}},
                    {"release_policy", {{"data", Policy(maa_->url())}}}}),
              400, "BadParameter", "AKV.SKR.1001");
  EXPECT_EQ(Call("POST", "/keys/h/create", {{"kty", "RSA"}}).status, 200);
}

// ---------------------------------------------------------------- release

TEST_F(KeyVaultTest, ReleaseRsaEcOctWithEachEnc) {
  CreateExportable("rsa");
  CreateExportable("ec", {{"kty", "EC-HSM"}, {"crv", "P-384"}, {"key_size", nullptr}});
  CreateExportable("oct", {{"kty", "oct-HSM"}, {"key_size", 256}});
  for (const std::string name : {"rsa", "ec", "oct"}) {
    for (const std::string enc :
         {"CKM_RSA_AES_KEY_WRAP", "RSA_AES_KEY_WRAP_256", "RSA_AES_KEY_WRAP_384", ""}) {
      SCOPED_TRACE(name + " " + enc);
      json body = {{"target", maa_->Token()}, {"nonce", "ADE0101"}};
      if (!enc.empty()) body["enc"] = enc;
      json r = Release("/keys/" + name + "/release", body);
      ASSERT_TRUE(r.contains("value"));
      json payload = VerifyReleaseJws(r["value"]);
      const std::string expect_enc = enc.empty() ? "CKM_RSA_AES_KEY_WRAP" : enc;
      EXPECT_EQ(payload["request"]["enc"], expect_enc);
      EXPECT_EQ(payload["request"]["api-version"], "7.4");
      EXPECT_EQ(payload["request"]["kid"], kv_->vault_url() + "/keys/" + name);
      json key = payload["response"]["key"]["key"];
      EXPECT_EQ(key["kid"].get<std::string>().rfind(kv_->vault_url() + "/keys/" + name + "/", 0),
                0u);
      EXPECT_EQ(payload["response"]["key"]["attributes"]["exportable"], true);
      EXPECT_TRUE(payload["response"]["key"]["release_policy"].contains("data"));
      // key_hsm header names the runtime key and enc; unwrap gives the exact material.
      auto blob =
          json::parse(AsString(*encoding::Base64UrlDecode(key["key_hsm"].get<std::string>())));
      EXPECT_EQ(blob["schema_version"], "1.0");
      EXPECT_EQ(blob["header"]["kid"], "TpmEphemeralEncryptionKey");
      EXPECT_EQ(blob["header"]["alg"], "dir");
      EXPECT_EQ(blob["header"]["enc"], expect_enc);
      auto ct = encoding::Base64UrlDecode(blob["ciphertext"].get<std::string>());
      ASSERT_TRUE(ct.ok());
      Bytes material = *kv_->ExportKeyMaterial(name);
      EXPECT_EQ(ct->size(), 256 + ((material.size() + 7) / 8) * 8 + 8);
      auto unwrapped = UnwrapKeyHsm(key["key_hsm"].get<std::string>(), RuntimeKey());
      ASSERT_TRUE(unwrapped.ok()) << unwrapped.error().ToString();
      EXPECT_EQ(*unwrapped, material);
      // The OAEP hash really is the one enc names: decrypting with another hash fails.
      crypto::OaepParams wrong;
      wrong.hash =
          expect_enc == "RSA_AES_KEY_WRAP_256" ? crypto::HashAlg::kSha1 : crypto::HashAlg::kSha256;
      EXPECT_FALSE(crypto::RsaOaepDecrypt(RuntimeKey(), wrong, ByteView(*ct).first(256)).ok());
      // Someone else's private key cannot unwrap.
      EXPECT_FALSE(UnwrapKeyHsm(key["key_hsm"].get<std::string>(), OtherKey()).ok());
    }
  }
}

TEST_F(KeyVaultTest, ReleaseByVersionAndEmptyVersionPaths) {
  json c = CreateExportable("ver");
  std::string kid = c["key"]["kid"];
  std::string version = kid.substr(kid.rfind('/') + 1);
  CreateExportable("ver");  // a newer version
  json r = Release("/keys/ver/" + version + "/release", {{"target", maa_->Token()}});
  json p = VerifyReleaseJws(r["value"]);
  EXPECT_EQ(p["request"]["kid"], kid);
  EXPECT_EQ(p["response"]["key"]["key"]["kid"], kid);
  auto unwrapped =
      UnwrapKeyHsm(p["response"]["key"]["key"]["key_hsm"].get<std::string>(), RuntimeKey());
  ASSERT_TRUE(unwrapped.ok());
  EXPECT_EQ(*unwrapped, *kv_->ExportKeyMaterial("ver", version));
  EXPECT_NE(*unwrapped, *kv_->ExportKeyMaterial("ver"));
  // The JS SDK's "/keys/{name}//release" (empty version) means the latest.
  json r2 = Release("/keys/ver//release", {{"target", maa_->Token()}});
  json p2 = VerifyReleaseJws(r2["value"]);
  EXPECT_NE(p2["response"]["key"]["key"]["kid"], kid);
  ExpectError(Call("POST", "/keys/ver/0123456789abcdef0123456789abcdef/release",
                   {{"target", maa_->Token()}}),
              404, "KeyNotFound");
}

TEST_F(KeyVaultTest, IssuerKeysAreCachedAndRefetchedForUnknownKid) {
  CreateExportable("cache");
  int before = maa_->certs_requests();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("POST", "/keys/cache/release", {{"target", maa_->Token()}}).status, 200);
  }
  EXPECT_EQ(maa_->certs_requests(), before + 1);
  // A kid the cached set lacks triggers one refetch (and still fails).
  ExpectError(
      Call("POST", "/keys/cache/release", {{"target", Sign(maa_->Claims(), MaaKey(), "rolled")}}),
      403, "Forbidden");
  EXPECT_EQ(maa_->certs_requests(), before + 2);
}

TEST_F(KeyVaultTest, ReleaseTamperedJwsDoesNotVerify) {
  CreateExportable("t");
  std::string jws = Release("/keys/t/release", {{"target", maa_->Token()}})["value"];
  std::string tampered = jws;
  size_t dot = tampered.find('.');
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
  jose::JwsVerifyOptions vo;
  vo.allowed_algs = {jose::JwsAlg::kRs256};
  std::vector<x509::Certificate> roots = {kv_->release_signing_chain().back()};
  EXPECT_FALSE(jose::VerifyCompactWithX5c(tampered, roots, kNow, vo).ok());
  auto other_tls = http::MakeServerTls(Bytes{1}, {"x"}, "other");
  auto other_root = x509::CertificatesFromPem(other_tls->ca_cert_pem);
  EXPECT_FALSE(jose::VerifyCompactWithX5c(jws, *other_root, kNow, vo).ok());
}

TEST_F(KeyVaultTest, ReleaseNegativesReleaseNothing) {
  CreateExportable("neg");
  const std::string path = "/keys/neg/release";
  auto release = [&](const std::string& target, const json& extra = json::object()) {
    json body = {{"target", target}};
    body.update(extra);
    return Call("POST", path, body);
  };
  // Expired token (beyond the 60 s leeway), and not yet valid.
  json claims = maa_->Claims();
  claims["exp"] = kNow - 61;
  ExpectError(release(maa_->Token(claims)), 403, "Forbidden", "exp");
  claims["exp"] = kNow - 30;  // within leeway
  EXPECT_EQ(release(maa_->Token(claims)).status, 200);
  claims = maa_->Claims();
  claims["nbf"] = kNow + 120;
  ExpectError(release(maa_->Token(claims)), 403, "Forbidden", "nbf");
  // Token from an issuer the vault does not trust (its own keys verify it).
  json untrusted = untrusted_maa_->Claims();
  ExpectError(release(Sign(untrusted, MaaKey(), "maa-1")), 403, "Forbidden",
              "not an attestation service this vault trusts");
  // Wrong signature: right kid, other key.
  ExpectError(release(Sign(maa_->Claims(), OtherKey(), "maa-1")), 403, "Forbidden", "signature");
  // Unknown kid.
  ExpectError(release(Sign(maa_->Claims(), MaaKey(), "nope")), 403, "Forbidden");
  // alg other than RS256 with the right key.
  ExpectError(release(Sign(maa_->Claims(), MaaKey(), "maa-1", jose::JwsAlg::kPs256)), 403,
              "Forbidden", "RS256");
  // Policy mismatch: a claim value, a missing claim, the TEE claims at top level only.
  claims = maa_->Claims();
  claims["x-ms-isolation-tee"]["x-ms-attestation-type"] = "tdxvm";
  ExpectError(release(maa_->Token(claims)), 403, "Forbidden", "release policy is not satisfied");
  claims = maa_->Claims();
  claims["x-ms-isolation-tee"].erase("x-ms-compliance-status");
  ExpectError(release(maa_->Token(claims)), 403, "Forbidden", "missing");
  claims = maa_->Claims();
  claims["x-ms-attestation-type"] = "sevsnpvm";
  claims.erase("x-ms-isolation-tee");
  ExpectError(release(maa_->Token(claims)), 403, "Forbidden", "release policy");
  // No usable runtime key (only the signing HCLAkPub, or none; nested runtime keys do not count).
  claims = maa_->Claims();
  claims["x-ms-runtime"]["keys"].erase(1);
  ExpectError(release(maa_->Token(claims)), 400, "BadParameter", "x-ms-runtime");
  claims = maa_->Claims();
  claims["x-ms-isolation-tee"]["x-ms-runtime"] = claims["x-ms-runtime"];
  claims.erase("x-ms-runtime");
  ExpectError(release(maa_->Token(claims)), 400, "BadParameter", "x-ms-runtime");
  // Malformed target, missing target, bad enc, non-string nonce.
  ExpectError(release("not.a.jwt"), 400, "BadParameter");
  ExpectError(release(""), 400, "BadParameter", "target");
  ExpectError(Call("POST", path, {{"enc", "RSA_AES_KEY_WRAP_256"}}), 400, "BadParameter", "target");
  ExpectError(release(maa_->Token(), {{"enc", "A256KW"}}), 400, "BadParameter", "enc");
  ExpectError(release(maa_->Token(), {{"nonce", 5}}), 400, "BadParameter", "nonce");
  // Malformed JSON and an oversized body.
  ExpectError(CallRaw("POST", path, "{\"target\": "), 400, "BadParameter");
  ExpectError(CallRaw("POST", path, "[1,2]"), 400, "BadParameter");
  auto big = CallRaw("POST", path, "{\"target\":\"" + std::string(100 * 1024, 'a') + "\"}");
  EXPECT_EQ(big.status, 413);
  EXPECT_FALSE(Body(big).contains("value"));
  // Unknown and missing api-version.
  ExpectError(Call("POST", path, {{"target", maa_->Token()}}, "7.2"), 400, "BadParameter",
              "The specified version (7.2) is not recognized. Consider using the latest supported "
              "version (7.6).");
  ExpectError(Call("POST", path, {{"target", maa_->Token()}}, "2025-07-01"), 400, "BadParameter");
  ExpectError(Call("POST", path, {{"target", maa_->Token()}}, ""), 400, "BadParameter",
              "api-version");
  for (const std::string api : {"7.3", "7.5", "7.6"}) {
    EXPECT_EQ(Call("POST", path, {{"target", maa_->Token()}}, api).status, 200) << api;
  }
  // The vault still releases with a good token afterwards.
  EXPECT_EQ(release(maa_->Token()).status, 200);
}

TEST_F(KeyVaultTest, ReleaseRefusesNonExportableDisabledAndMissingKeys) {
  Call("POST", "/keys/nonexp/create", {{"kty", "RSA-HSM"}});
  ExpectError(Call("POST", "/keys/nonexp/release", {{"target", maa_->Token()}}), 403, "Forbidden",
              "not exportable");
  CreateExportable("dis");
  ASSERT_EQ(Call("PATCH", "/keys/dis", {{"attributes", {{"enabled", false}}}}).status, 200);
  ExpectError(Call("POST", "/keys/dis/release", {{"target", maa_->Token()}}), 403, "Forbidden",
              "disabled");
  CreateExportable("late", {{"attributes", {{"exportable", true}, {"nbf", kNow + 100}}}});
  ExpectError(Call("POST", "/keys/late/release", {{"target", maa_->Token()}}), 403, "Forbidden");
  ExpectError(Call("POST", "/keys/none/release", {{"target", maa_->Token()}}), 404, "KeyNotFound");
}

TEST_F(KeyVaultTest, ReleaseWhenIssuerUnreachable) {
  KeyVaultOptions o = Options();
  o.attestation.trusted_issuers.push_back("https://127.0.0.1:1");
  Start(o);
  CreateExportable("u", {{"release_policy", {{"data", Policy("https://127.0.0.1:1")}}}});
  json claims = maa_->Claims();
  claims["iss"] = "https://127.0.0.1:1";
  ExpectError(Call("POST", "/keys/u/release", {{"target", maa_->Token(claims)}}), 400,
              "BadParameter", "AKV.SKR.1012");
}

TEST_F(KeyVaultTest, ConcurrentCreatesAndReleases) {
  CreateExportable("shared");
  Bytes material = *kv_->ExportKeyMaterial("shared");
  const std::string token = maa_->Token();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto c = http::Client::Create(kv_->url());
      for (int i = 0; i < 3; ++i) {
        auto cr = c->Post("/keys/c" + std::to_string(t) + "/create?api-version=7.4",
                          {{"Authorization", Bearer()}}, R"({"kty":"EC-HSM"})");
        auto rr = c->Post("/keys/shared/release?api-version=7.4", {{"Authorization", Bearer()}},
                          json{{"target", token}}.dump());
        if (!cr.ok() || !rr.ok() || cr->status != 200 || rr->status != 200) continue;
        json p = json::parse(rr->body);
        auto jws = jose::ParseCompactJws(p["value"].get<std::string>());
        if (!jws.ok()) continue;
        json payload = json::parse(AsString(jws->payload));
        auto m = UnwrapKeyHsm(payload["response"]["key"]["key"]["key_hsm"].get<std::string>(),
                              RuntimeKey());
        if (m.ok() && *m == material) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 18);
  for (int t = 0; t < 6; ++t) {
    EXPECT_EQ(Body(Call("GET", "/keys/c" + std::to_string(t) + "/versions"))["value"].size(), 3u);
  }
}

// ---------------------------------------------------------------- auth

TEST_F(KeyVaultTest, MissingOrInvalidBearerTokenGets401WithChallenge) {
  const std::string challenge =
      std::string("Bearer authorization=\"https://login.microsoftonline.com/") + kTenant +
      "\", resource=\"https://vault.azure.net\"";
  auto r = Call("GET", "/keys", nullptr, "7.4", "");
  ExpectError(r, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
  EXPECT_EQ(r.Header("WWW-Authenticate"), challenge);
  r = Call("GET", "/keys", nullptr, "7.4", "Basic dXNlcjpwYXNz");
  ExpectError(r, 401, "Unauthorized", "AKV10000");
  r = Call("GET", "/keys", nullptr, "7.4", Bearer(kOid, "https://myvault.vault.azure.net/"));
  ExpectError(r, 401, "Unauthorized",
              "AKV10022: Invalid audience. Expected https://vault.azure.net, found: "
              "https://myvault.vault.azure.net/.");
  EXPECT_EQ(r.Header("WWW-Authenticate"), challenge);
  ExpectError(
      Call("GET", "/keys", nullptr, "7.4", Bearer(kOid, "https://vault.azure.net", kNow - 600)),
      401, "Unauthorized");
  ExpectError(Call("GET", "/keys", nullptr, "7.4",
                   Bearer(kOid, "https://vault.azure.net", kNow + 3600, &OtherKey())),
              401, "Unauthorized");
  ExpectError(Call("GET", "/keys", nullptr, "7.4", "Bearer garbage"), 401, "Unauthorized");
  // The trailing-slash audience form is accepted.
  EXPECT_EQ(Call("GET", "/keys", nullptr, "7.4", Bearer(kOid, "https://vault.azure.net/")).status,
            200);
  // Releases without a bearer token release nothing.
  CreateExportable("a");
  ExpectError(Call("POST", "/keys/a/release", {{"target", maa_->Token()}}, "7.4", ""), 401,
              "Unauthorized");
}

TEST_F(KeyVaultTest, AccessPoliciesGate403) {
  CreateExportable("p");
  auto r =
      Call("POST", "/keys/p/release", {{"target", maa_->Token()}}, "7.4", Bearer("no-release"));
  ExpectError(r, 403, "Forbidden", "does not have keys release permission on key vault");
  EXPECT_EQ(Body(r)["error"]["innererror"]["code"], "ForbiddenByPolicy");
  EXPECT_NE(r.body.find("oid=no-release"), std::string::npos);
  EXPECT_EQ(Call("GET", "/keys/p", nullptr, "7.4", Bearer("no-release")).status, 200);
  ExpectError(Call("DELETE", "/keys/p", nullptr, "7.4", Bearer("no-release")), 403, "Forbidden",
              "keys delete permission");
  ExpectError(Call("GET", "/keys", nullptr, "7.4", Bearer("stranger")), 403, "Forbidden");
  kv_->SetAccessPolicy({"no-release", {"release"}});
  EXPECT_EQ(
      Call("POST", "/keys/p/release", {{"target", maa_->Token()}}, "7.4", Bearer("no-release"))
          .status,
      200);
}

TEST_F(KeyVaultTest, NoAuthModeAndUnknownRoutes) {
  KeyVaultOptions o = Options();
  o.require_auth = false;
  Start(o);
  EXPECT_EQ(Call("POST", "/keys/n/create", {{"kty", "EC-HSM"}}, "7.4", "").status, 200);
  auto r = Call("GET", "/secrets/x", nullptr, "7.4", "");
  EXPECT_EQ(r.status, 404);
}

TEST_F(KeyVaultTest, ServesOverHttpsWithTheGeneratedCa) {
  KeyVaultOptions o = Options();
  auto tls = http::MakeServerTls(kSeed, http::DefaultTlsHostnames(), "mock-kv");
  ASSERT_TRUE(tls.ok());
  o.server.tls = tls->identity;
  Start(o);
  ASSERT_EQ(kv_->url().rfind("https://", 0), 0u);
  auto c = http::Client::Create(kv_->url(), tls->ca_cert_pem);
  ASSERT_TRUE(c.ok());
  auto r = c->Get("/keys?api-version=7.4", {{"Authorization", Bearer()}});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
}

// ---------------------------------------------------------------- storage

TEST_F(KeyVaultTest, SqliteStoreSurvivesRestartWithMaterialEncrypted) {
  auto dir =
      std::filesystem::temp_directory_path() / ("mock-kv-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  KeyVaultOptions o = Options();
  o.data_dir = dir;
  o.vault_url = "https://myvault.vault.azure.net/";  // kids use it (trailing slash dropped)
  Start(o);
  json rsa = CreateExportable("keep");
  EXPECT_EQ(
      rsa["key"]["kid"].get<std::string>().rfind("https://myvault.vault.azure.net/keys/keep/", 0),
      0u);
  Call("POST", "/keys/keep-oct/create", {{"kty", "oct-HSM"}});
  Call("POST", "/keys/deleted/create", {{"kty", "EC-HSM"}});
  Call("DELETE", "/keys/deleted");
  Bytes oct = *kv_->ExportKeyMaterial("keep-oct");
  Bytes rsa_material = *kv_->ExportKeyMaterial("keep");
  kv_.reset();

  // The material is not in the file in the clear.
  auto file = ReadFileBytes(dir / "mock-kv.sqlite3");
  ASSERT_TRUE(file.ok());
  std::string text = AsString(*file);
  EXPECT_EQ(text.find(AsString(oct)), std::string::npos);
  EXPECT_EQ(text.find(encoding::Base64Encode(oct)), std::string::npos);

  Start(o);
  EXPECT_EQ(Body(Call("GET", "/keys/keep"))["key"]["kid"], rsa["key"]["kid"]);
  EXPECT_EQ(*kv_->ExportKeyMaterial("keep"), rsa_material);
  EXPECT_EQ(*kv_->ExportKeyMaterial("keep-oct"), oct);
  EXPECT_EQ(Call("GET", "/deletedkeys/deleted").status, 200);
  EXPECT_EQ(Body(Call("GET", "/keys"))["value"].size(), 2u);
  // A new version after restart continues the version counter.
  json v2 = Body(Call("POST", "/keys/keep-oct/create", {{"kty", "oct-HSM"}}));
  EXPECT_EQ(Body(Call("GET", "/keys/keep-oct/versions"))["value"].size(), 2u);
  EXPECT_EQ(Body(Call("POST", "/keys/keep/release", {{"target", maa_->Token()}})).contains("value"),
            true);
  kv_.reset();

  // Another storage key cannot open it.
  KeyVaultOptions wrong = o;
  wrong.storage_key = Bytes(32, 1);
  auto s = KeyVaultService::Start(wrong);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kVerificationFailed);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skr::mock_kv
