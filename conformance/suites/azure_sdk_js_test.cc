// AzureSdkJs: the official Azure SDK for JavaScript (@azure/keyvault-keys from npm, pinned in
// conformance/azure-sdk-js/package-lock.json) against mock-kv, as a guest application would use it:
// a TokenCredential on the emulated IMDS, the SDK's own challenge authentication, createRsaKey
// (exportable RSA-HSM with a release policy), getKey and releaseKey with a mock-maa AzureGuest
// token. The released key_hsm is unwrapped inside the emulated vTPM with the private half of the
// token's runtime key, and the unwrapped key must be the key the SDK got: it signs, the SDK's
// public key verifies. Negatives: the real 403/404 statuses and codes as the SDK surfaces them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "conformance/harness/stack.h"
#include "libskr/crypto/keys.h"
#include "libskr/crypto/signature.h"
#include "libskr/encoding/encoding.h"
#include "libskr/jose/jws.h"
#include "libskr/kv/key_hsm.h"
#include "libskr/testing/process.h"

namespace skr::harness {
namespace {

using emulator::cvm::CvmKind;
using nlohmann::json;
using skr::testing::RunShell;
using skr::testing::TempDir;

constexpr int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z: every service runs on this clock

// Why the SDK cannot run here (node or the npm packages missing), or nullopt.
std::optional<std::string> SdkMissing() {
  const std::string node = SKR_NODE;
  if (node.empty() || node.find("NOTFOUND") != std::string::npos) {
    return "node was not found when the build was configured: run scripts/install-deps.sh "
           "(Debian's nodejs and npm), then cmake -S . -B build again";
  }
  if (!std::filesystem::exists(std::string(SKR_SDK_JS_DIR) + "/node_modules/.skr-npm-ci.stamp")) {
    return std::string("the Azure SDK for JavaScript is not installed in ") + SKR_SDK_JS_DIR +
           " (npm ci failed or has not run; log: " + SKR_SDK_JS_DIR +
           "/npm-ci.log): with the npm registry reachable run cmake --build build --target "
           "azure_sdk_js";
  }
  return std::nullopt;
}

// Skips with what to run, except in CI (CI=true), where node and the registry are there and a
// missing SDK is a failure.
#define SKR_REQUIRE_SDK_JS()                            \
  do {                                                  \
    if (auto missing = SdkMissing()) {                  \
      const char* ci = std::getenv("CI");               \
      if (ci != nullptr && std::string(ci) == "true") { \
        FAIL() << *missing;                             \
      }                                                 \
      GTEST_SKIP() << *missing;                         \
    }                                                   \
  } while (0)

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct SdkRun {
  int status = -1;
  json out;          // stdout's JSON object (success)
  json err;          // stderr's last JSON object (failure)
  std::string text;  // stdout and stderr, for messages
};

// Runs release.mjs with `env` (values contain no single quote) on top of the CA and no-proxy
// settings, in `dir`.
SdkRun RunSdk(const EmulatedStack& stack, const TempDir& dir,
              const std::map<std::string, std::string>& env) {
  WriteFile(dir / "ca.pem", stack.ca_bundle_pem());
  std::string cmd = "cd '" + dir.path().string() + "' && env NODE_EXTRA_CA_CERTS='" +
                    (dir / "ca.pem") +
                    "' NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost";
  for (const auto& [k, v] : env) cmd += " " + k + "='" + v + "'";
  cmd += std::string(" '") + SKR_NODE + "' '" + SKR_SDK_JS_SCRIPT + "' >out.json 2>err.txt";
  SdkRun r;
  r.status = RunShell(cmd).status;
  const std::string out = ReadFile(dir / "out.json");
  const std::string err = ReadFile(dir / "err.txt");
  r.text = "stdout: " + out + "\nstderr: " + err;
  r.out = json::parse(out, nullptr, false);
  // The error object is the last line (node may print warnings before it).
  const size_t last = err.find_last_of('\n', err.size() >= 2 ? err.size() - 2 : 0);
  r.err = json::parse(last == std::string::npos ? err : err.substr(last + 1), nullptr, false);
  return r;
}

std::unique_ptr<EmulatedStack> StartStack() {
  StackOptions so;
  so.seed = 11;
  so.now = kNow;
  // The application creates its own key with the VM's managed identity.
  so.cvm_key_permissions = {"create", "get", "release"};
  emulator::cvm::CvmOptions cvm;
  cvm.kind = CvmKind::kSnpMilan;
  so.cvms = {cvm};
  auto s = EmulatedStack::Start(std::move(so));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

Bytes B64u(const json& v) {
  if (!v.is_string()) return {};
  auto b = encoding::Base64UrlDecode(v.get<std::string>());
  return b.ok() ? *b : Bytes{};
}

// The SDK's view of an exportable RSA-HSM key carrying `policy`.
void ExpectSdkKey(const json& k, const std::string& name, const json& policy) {
  SCOPED_TRACE(k.dump());
  EXPECT_EQ(k["name"], name);
  EXPECT_EQ(k["keyType"], "RSA-HSM");
  EXPECT_EQ(k["key"]["kty"], "RSA-HSM");
  EXPECT_EQ(k["exportable"], true);
  EXPECT_EQ(k["enabled"], true);
  EXPECT_EQ(k["id"], k["key"]["kid"]);
  EXPECT_EQ(B64u(k["key"]["n"]).size(), 256u);
  // Key Vault sends e with a leading zero byte ("AAEAAQ", skr-protocol.md 4.1); the SDK keeps it.
  EXPECT_EQ(B64u(k["key"]["e"]), (Bytes{0, 1, 0, 1}));
  EXPECT_EQ(k["releasePolicy"]["contentType"], "application/json; charset=utf-8");
  EXPECT_EQ(k["releasePolicy"]["immutable"], false);
  const Bytes encoded = B64u(k["releasePolicy"]["encodedPolicy"]);
  EXPECT_EQ(json::parse(AsString(encoded), nullptr, false), policy);
}

TEST(AzureSdkJs, CreatesGetsAndReleasesRsaHsmKeyThatTheVtpmUnwraps) {
  SKR_REQUIRE_SDK_JS();
  auto stack = StartStack();
  ASSERT_TRUE(stack);
  auto client = client::SkrClient::Create(stack->ClientOptions(stack->cvm(0)));
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  client::AttestOptions ao;
  ao.nonce = "azure-sdk-js";
  auto a = (*client)->Attest(ao);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  ASSERT_TRUE(a->ephemeral_key);
  ASSERT_EQ(a->claims["x-ms-runtime"]["keys"][0]["kid"], "TpmEphemeralEncryptionKey");

  TempDir dir("skr-sdk-js");
  const json policy = stack->ReleasePolicyFor("sevsnpvm");
  WriteFile(dir / "policy.json", policy.dump());
  WriteFile(dir / "token.jwt", a->token);
  const std::string name = "sdk-js-key";
  SdkRun r = RunSdk(*stack, dir,
                    {{"SKR_VAULT_URL", stack->vault().url()},
                     {"SKR_IMDS_URL", stack->cvm(0).imds_url()},
                     {"SKR_KEY_NAME", name},
                     {"SKR_RELEASE_POLICY", dir / "policy.json"},
                     {"SKR_ATTESTATION_TOKEN", dir / "token.jwt"},
                     {"SKR_RELEASE_ENC", "RSA_AES_KEY_WRAP_256"}});
  ASSERT_EQ(r.status, 0) << r.text;
  ASSERT_TRUE(r.out.is_object()) << r.text;

  // What the SDK deserialised from create and get.
  ExpectSdkKey(r.out["created"], name, policy);
  ExpectSdkKey(r.out["got"], name, policy);
  EXPECT_EQ(r.out["got"]["id"], r.out["created"]["id"]);
  EXPECT_GE(r.out["imdsTokenRequests"].get<int>(), 1);
  const Bytes sdk_n = B64u(r.out["got"]["key"]["n"]);
  const Bytes sdk_e = B64u(r.out["got"]["key"]["e"]);

  // The release JWS: signed by the vault's release certificate, for the key the SDK got, wrapped
  // to the token's runtime key with the enc the SDK sent.
  const std::string value = r.out["released"]["value"].get<std::string>();
  const auto chain = stack->vault().release_signing_chain();
  ASSERT_FALSE(chain.empty());
  jose::JwsVerifyOptions vo;
  vo.allowed_algs = {jose::JwsAlg::kRs256};
  auto verified = jose::VerifyCompactWithX5c(value, std::span(&chain.back(), 1), kNow, vo);
  ASSERT_TRUE(verified.ok()) << verified.error().ToString();
  const json payload = json::parse(AsString(verified->jws.payload));
  EXPECT_EQ(payload["request"]["enc"], "RSA_AES_KEY_WRAP_256");
  EXPECT_EQ(payload["request"]["api-version"], "7.5");
  const json& released = payload["response"]["key"]["key"];
  EXPECT_EQ(released["kid"], r.out["got"]["id"]);
  EXPECT_EQ(B64u(released["n"]), sdk_n);
  auto blob = kv::ParseKeyHsm(released["key_hsm"].get<std::string>());
  ASSERT_TRUE(blob.ok()) << blob.error().ToString();
  EXPECT_EQ(blob->kid, "TpmEphemeralEncryptionKey");
  EXPECT_EQ(blob->enc, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256);

  // Unwrap in the vTPM: only the TPM holds the private half of the runtime key.
  client::EphemeralKey* tpm_key = a->ephemeral_key.get();
  auto material = kv::UnwrapKeyHsm(
      *blob, tpm_key->public_key().rsa_modulus.size(),
      [tpm_key](crypto::HashAlg hash, ByteView ct) { return tpm_key->DecryptOaep(hash, ct); });
  ASSERT_TRUE(material.ok()) << material.error().ToString();
  auto vault_material = stack->vault().ExportKeyMaterial(name);
  ASSERT_TRUE(vault_material.ok()) << vault_material.error().ToString();
  EXPECT_EQ(*material, *vault_material);

  // The unwrapped private key is the key the SDK got: same modulus, and what it signs the SDK's
  // public key verifies (and a signature by another key, or over other bytes, does not).
  auto priv = crypto::PrivateKeyFromPkcs8Der(*material);
  ASSERT_TRUE(priv.ok()) << priv.error().ToString();
  auto comps = crypto::RsaPrivateComponentsOf(*priv);
  ASSERT_TRUE(comps.ok());
  EXPECT_EQ(comps->n, sdk_n);
  auto sdk_pub = crypto::RsaPublicKeyFromComponents(sdk_n, sdk_e);
  ASSERT_TRUE(sdk_pub.ok()) << sdk_pub.error().ToString();
  const std::string_view text = "released by the Azure SDK for JavaScript";
  const Bytes msg(text.begin(), text.end());
  auto sig = crypto::SignRsaPkcs1(*priv, crypto::HashAlg::kSha256, msg);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(crypto::VerifyRsaPkcs1(*sdk_pub, crypto::HashAlg::kSha256, msg, *sig).ok());
  Bytes other_msg = msg;
  other_msg[0] ^= 1;
  EXPECT_FALSE(crypto::VerifyRsaPkcs1(*sdk_pub, crypto::HashAlg::kSha256, other_msg, *sig).ok());
  auto other = crypto::GenerateRsaKey(2048);
  ASSERT_TRUE(other.ok());
  auto other_sig = crypto::SignRsaPkcs1(*other, crypto::HashAlg::kSha256, msg);
  ASSERT_TRUE(other_sig.ok());
  EXPECT_FALSE(crypto::VerifyRsaPkcs1(*sdk_pub, crypto::HashAlg::kSha256, msg, *other_sig).ok());

  // The same SDK on the other api-versions mock-kv serves, with the default enc: the same key,
  // released again to the same runtime key.
  for (const char* version : {"7.3", "7.4", "7.6"}) {
    SCOPED_TRACE(version);
    SdkRun again = RunSdk(*stack, dir,
                          {{"SKR_VAULT_URL", stack->vault().url()},
                           {"SKR_IMDS_URL", stack->cvm(0).imds_url()},
                           {"SKR_KEY_NAME", name},
                           {"SKR_ATTESTATION_TOKEN", dir / "token.jwt"},
                           {"SKR_SERVICE_VERSION", version}});
    ASSERT_EQ(again.status, 0) << again.text;
    EXPECT_EQ(again.out["got"]["id"], r.out["got"]["id"]);
    auto v = jose::VerifyCompactWithX5c(again.out["released"]["value"].get<std::string>(),
                                        std::span(&chain.back(), 1), kNow, vo);
    ASSERT_TRUE(v.ok()) << v.error().ToString();
    const json p = json::parse(AsString(v->jws.payload));
    EXPECT_EQ(p["request"]["api-version"], version);
    auto b = kv::ParseKeyHsm(p["response"]["key"]["key"]["key_hsm"].get<std::string>());
    ASSERT_TRUE(b.ok()) << b.error().ToString();
    EXPECT_EQ(b->enc, kv::KeyWrapAlgorithm::kCkmRsaAesKeyWrap);
    auto m = kv::UnwrapKeyHsm(
        *b, tpm_key->public_key().rsa_modulus.size(),
        [tpm_key](crypto::HashAlg hash, ByteView ct) { return tpm_key->DecryptOaep(hash, ct); });
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    EXPECT_EQ(*m, *vault_material);
  }
}

// The SDK surfaces the vault's refusals as RestError with the real status and code.
TEST(AzureSdkJs, RefusedReleasesSurfaceAsRestErrorWithStatusAndCode) {
  SKR_REQUIRE_SDK_JS();
  auto stack = StartStack();
  ASSERT_TRUE(stack);
  auto client = client::SkrClient::Create(stack->ClientOptions(stack->cvm(0)));
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  auto a = (*client)->Attest({});
  ASSERT_TRUE(a.ok()) << a.error().ToString();

  TempDir dir("skr-sdk-js");
  WriteFile(dir / "tdx-policy.json", stack->ReleasePolicyFor("tdxvm").dump());
  WriteFile(dir / "snp-policy.json", stack->ReleasePolicyFor("sevsnpvm").dump());
  WriteFile(dir / "token.jwt", a->token);
  std::string tampered = a->token;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  WriteFile(dir / "tampered.jwt", tampered);
  const std::map<std::string, std::string> base = {{"SKR_VAULT_URL", stack->vault().url()},
                                                   {"SKR_IMDS_URL", stack->cvm(0).imds_url()}};
  auto run = [&](std::map<std::string, std::string> env) {
    env.insert(base.begin(), base.end());
    return RunSdk(*stack, dir, env);
  };

  struct Case {
    const char* what;
    std::map<std::string, std::string> env;
    int status;
    const char* code;
    const char* message;
    bool created;
  };
  const Case cases[] = {
      {"an SNP token against a TDX-only policy",
       {{"SKR_KEY_NAME", "tdx-only"},
        {"SKR_RELEASE_POLICY", dir / "tdx-policy.json"},
        {"SKR_ATTESTATION_TOKEN", dir / "token.jwt"}},
       403,
       "Forbidden",
       "release policy is not satisfied",
       true},
      {"a token with a flipped signature byte",
       {{"SKR_KEY_NAME", "snp"},
        {"SKR_RELEASE_POLICY", dir / "snp-policy.json"},
        {"SKR_ATTESTATION_TOKEN", dir / "tampered.jwt"}},
       403,
       "Forbidden",
       "target attestation token was not accepted",
       true},
      {"a key that does not exist",
       {{"SKR_KEY_NAME", "missing"}, {"SKR_ATTESTATION_TOKEN", dir / "token.jwt"}},
       404,
       "KeyNotFound",
       "missing",
       false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    SdkRun r = run(c.env);
    EXPECT_EQ(r.status, 1) << r.text;
    ASSERT_TRUE(r.err.is_object()) << r.text;
    EXPECT_EQ(r.err["error"]["name"], "RestError") << r.text;
    EXPECT_EQ(r.err["error"]["statusCode"], c.status) << r.text;
    EXPECT_EQ(r.err["error"]["code"], c.code) << r.text;
    EXPECT_NE(r.err["error"]["message"].get<std::string>().find(c.message), std::string::npos)
        << r.text;
    EXPECT_EQ(r.err.contains("created"), c.created) << r.text;
    EXPECT_FALSE(r.err.contains("released")) << r.text;
  }
  // The untampered token still releases the key whose policy it satisfies.
  SdkRun ok = run({{"SKR_KEY_NAME", "snp"}, {"SKR_ATTESTATION_TOKEN", dir / "token.jwt"}});
  EXPECT_EQ(ok.status, 0) << ok.text;
  EXPECT_TRUE(ok.out.contains("released")) << ok.text;
}

}  // namespace
}  // namespace skr::harness
