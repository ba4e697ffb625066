// End to end on the emulated stack: the guest client attests with mock-maa and releases keys from
// mock-kv for SEV-SNP and TDX CVMs, for every `enc` and for RSA, EC and oct-HSM keys, and the
// released key is the vault's key. Each TEST starts its own stack (ctest runs tests as separate
// processes), so the matrix is looped inside a test.
#include <gtest/gtest.h>

#include "conformance/harness/stack.h"
#include "libskr/crypto/keys.h"

namespace skr::harness {
namespace {

using emulator::cvm::CvmKind;
using nlohmann::json;

std::unique_ptr<EmulatedStack> Start(std::vector<emulator::cvm::CvmOptions> cvms) {
  StackOptions so;
  so.seed = 7;
  so.cvms = std::move(cvms);
  auto s = EmulatedStack::Start(std::move(so));
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

emulator::cvm::CvmOptions Cvm(CvmKind kind) {
  emulator::cvm::CvmOptions o;
  o.kind = kind;
  return o;
}

struct KeySpec {
  const char* kty;
  int size;
};
constexpr KeySpec kKeys[] = {{"RSA-HSM", 2048}, {"EC-HSM", 0}, {"oct-HSM", 256}};
constexpr kv::KeyWrapAlgorithm kEncs[] = {kv::KeyWrapAlgorithm::kCkmRsaAesKeyWrap,
                                          kv::KeyWrapAlgorithm::kRsaAesKeyWrap256,
                                          kv::KeyWrapAlgorithm::kRsaAesKeyWrap384};

void ReleaseMatrix(CvmKind kind, const std::string& isolation) {
  auto stack = Start({Cvm(kind)});
  ASSERT_TRUE(stack);
  auto client = client::SkrClient::Create(stack->ClientOptions(stack->cvm(0)));
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  client::AttestOptions ao;
  ao.nonce = "e2e";
  auto a = (*client)->Attest(ao);
  ASSERT_TRUE(a.ok()) << a.error().ToString();
  EXPECT_EQ(a->claims["x-ms-isolation-tee"]["x-ms-attestation-type"], isolation);
  EXPECT_EQ(a->claims["x-ms-runtime"]["keys"][0]["kid"], "TpmEphemeralEncryptionKey");
  int n = 0;
  for (const KeySpec& k : kKeys) {
    for (kv::KeyWrapAlgorithm enc : kEncs) {
      const std::string name = "k" + std::to_string(n++);
      SCOPED_TRACE(std::string(k.kty) + " " + std::string(kv::KeyWrapAlgorithmName(enc)));
      auto key =
          stack->CreateExportableKey(name, k.kty, k.size, stack->ReleasePolicyFor(isolation));
      ASSERT_TRUE(key.ok()) << key.error().ToString();
      auto released = (*client)->ReleaseKey(*a, key->kid, enc);
      ASSERT_TRUE(released.ok()) << released.error().ToString();
      EXPECT_EQ(released->release.key_hsm.enc, enc);
      auto vault_material = stack->vault().ExportKeyMaterial(name);
      ASSERT_TRUE(vault_material.ok());
      EXPECT_EQ(released->key_material, *vault_material);
      if (std::string(k.kty) != "oct-HSM") {
        EXPECT_TRUE(crypto::PrivateKeyFromPkcs8Der(released->key_material).ok());
      } else {
        EXPECT_EQ(released->key_material.size(), 32u);
      }
    }
  }
}

TEST(EndToEnd, SevSnpAzureGuestReleasesEveryKeyTypeWithEveryEnc) {
  ReleaseMatrix(CvmKind::kSnpMilan, "sevsnpvm");
}

TEST(EndToEnd, TdxAzureGuestReleasesEveryKeyTypeWithEveryEnc) {
  ReleaseMatrix(CvmKind::kTdx, "tdxvm");
}

// Platform flows carry the HCL runtime claims: the vault wraps to HCLEkPub (the vTPM EK), which a
// guest cannot use with TPM2_RSA_Decrypt. The release is granted; the client says why it cannot
// unwrap.
TEST(EndToEnd, PlatformFlowsAttestAndTheReleaseIsWrappedToHclEkPub) {
  auto stack = Start({Cvm(CvmKind::kSnpGenoa), Cvm(CvmKind::kTdx)});
  ASSERT_TRUE(stack);
  struct Case {
    size_t cvm;
    client::AttestationFlow flow;
    std::string isolation;
  };
  for (const Case& c : {Case{0, client::AttestationFlow::kSevSnpVm, "sevsnpvm"},
                        Case{1, client::AttestationFlow::kTdxVm, "tdxvm"}}) {
    auto client = client::SkrClient::Create(stack->ClientOptions(stack->cvm(c.cvm)));
    ASSERT_TRUE(client.ok());
    client::AttestOptions ao;
    ao.flow = c.flow;
    ao.nonce = "platform";
    auto a = (*client)->Attest(ao);
    ASSERT_TRUE(a.ok()) << a.error().ToString();
    EXPECT_EQ(a->claims["x-ms-attestation-type"], c.isolation);
    EXPECT_EQ(a->claims["nonce"], "platform");
    // A policy on the top-level claims of platform tokens.
    json policy = {
        {"version", "1.0.0"},
        {"anyOf", json::array({{{"authority", stack->maa().url()},
                                {"allOf", json::array({{{"claim", "x-ms-attestation-type"},
                                                        {"equals", c.isolation}}})}}})}};
    auto key = stack->CreateExportableKey("p" + c.isolation, "oct-HSM", 256, policy);
    ASSERT_TRUE(key.ok()) << key.error().ToString();
    auto released = (*client)->ReleaseKey(*a, key->kid, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256);
    ASSERT_FALSE(released.ok());
    EXPECT_EQ(released.error().code(), ErrorCode::kUnsupported);
    EXPECT_NE(released.error().message().find("HCLEkPub"), std::string::npos)
        << released.error().ToString();
  }
}

TEST(EndToEnd, WrongIsolationTypeOrDebuggableGuestIsRefusedAndNothingIsReleased) {
  emulator::cvm::CvmOptions debug = Cvm(CvmKind::kSnpMilan);
  debug.snp_policy = 0x30000 | (1ull << 19);
  auto stack = Start({Cvm(CvmKind::kSnpMilan), debug});
  ASSERT_TRUE(stack);
  auto tdx_only =
      stack->CreateExportableKey("tdx-only", "RSA-HSM", 2048, stack->ReleasePolicyFor("tdxvm"));
  auto snp_key =
      stack->CreateExportableKey("snp", "RSA-HSM", 2048, stack->ReleasePolicyFor("sevsnpvm"));
  ASSERT_TRUE(tdx_only.ok() && snp_key.ok());
  auto good = client::SkrClient::Create(stack->ClientOptions(stack->cvm(0)));
  auto bad = client::SkrClient::Create(stack->ClientOptions(stack->cvm(1)));
  ASSERT_TRUE(good.ok() && bad.ok());
  auto a_good = (*good)->Attest({});
  auto a_bad = (*bad)->Attest({});
  ASSERT_TRUE(a_good.ok() && a_bad.ok());
  EXPECT_EQ(a_bad->claims["x-ms-isolation-tee"]["x-ms-sevsnpvm-is-debuggable"], true);

  auto r1 = (*good)->ReleaseKey(*a_good, tdx_only->kid, std::nullopt);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().code(), ErrorCode::kPolicyViolation) << r1.error().ToString();
  EXPECT_NE(r1.error().message().find("HTTP 403"), std::string::npos) << r1.error().ToString();
  auto r2 = (*bad)->ReleaseKey(*a_bad, snp_key->kid, std::nullopt);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kPolicyViolation) << r2.error().ToString();
  // The same good token still releases the key whose policy it satisfies.
  auto r3 = (*good)->ReleaseKey(*a_good, snp_key->kid, std::nullopt);
  EXPECT_TRUE(r3.ok()) << r3.error().ToString();
}

}  // namespace
}  // namespace skr::harness
