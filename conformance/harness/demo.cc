// `skr-harness demo`: the whole Secure Key Release flow on the emulated stack, step by step, for an
// SEV-SNP and a TDX CVM, then the release refused for a CVM whose evidence violates the policy.
#include "conformance/harness/demo.h"

#include <iostream>
#include <map>

#include "conformance/harness/stack.h"
#include "conformance/harness/steps.h"
#include "libskr/crypto/digest.h"
#include "libskr/crypto/keys.h"
#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"
#include "libskr/hcl/verify.h"

namespace skr::harness {
namespace {

using emulator::cvm::CvmKind;
using nlohmann::json;

constexpr uint64_t kSnpDebugPolicyBit = 1ull
                                        << 19;  // SEV-SNP guest policy DEBUG (evidence-formats 1.3)

std::string Short(std::string_view s, size_t n = 24) {
  return s.size() <= n ? std::string(s) : std::string(s.substr(0, n)) + "...";
}

// One CVM through the whole flow: evidence, attestation, release, unwrap, comparison.
void RunFlow(StepRunner& run, EmulatedStack& stack, emulator::cvm::EmulatedCvm& cvm,
             const std::string& isolation, const std::string& key_name, kv::KeyWrapAlgorithm enc) {
  std::unique_ptr<client::SkrClient> client;
  std::optional<client::Attestation> attestation;
  std::optional<VaultKey> key;

  run.Run("vault: create exportable RSA-HSM key '" + key_name + "' with a release policy",
          [&]() -> Result<std::string> {
            SKR_ASSIGN_OR_RETURN(VaultKey k,
                                 stack.CreateExportableKey(key_name, "RSA-HSM", 2048,
                                                           stack.ReleasePolicyFor(isolation)));
            key = k;
            return "kid " + k.kid +
                   "; policy: authority = MAA, x-ms-isolation-tee.x-ms-attestation-type " + "= " +
                   isolation + ", compliant" + (isolation == "sevsnpvm" ? ", not debuggable" : "");
          });
  run.Run("guest: open the vTPM and read the HCL report (NV 0x01400001)",
          [&]() -> Result<std::string> {
            SKR_ASSIGN_OR_RETURN(client, client::SkrClient::Create(stack.ClientOptions(cvm)));
            SKR_ASSIGN_OR_RETURN(Bytes raw, client->tpm().ReadHclReport());
            SKR_ASSIGN_OR_RETURN(hcl::HclReport r, hcl::ParseHclReport(raw));
            SKR_RETURN_IF_ERROR(hcl::VerifyRuntimeClaimsBinding(r));
            // The digest shows the evidence is a function of the seed (same seed, same bytes).
            return std::to_string(raw.size()) + " bytes, " +
                   std::string(hcl::ReportTypeName(r.report_type)) +
                   " hardware report; REPORT_DATA binds the runtime claims (HCLAkPub, user-data); "
                   "sha256 " +
                   Short(encoding::HexEncode(crypto::Sha256(raw)), 16);
          });
  if (!client) return;
  run.Run("guest: fresh HCL report for new user data (NV 0x01400002)",
          [&]() -> Result<std::string> {
            Bytes ud(64);
            for (size_t i = 0; i < ud.size(); ++i) ud[i] = static_cast<uint8_t>(0xC0 + i);
            SKR_ASSIGN_OR_RETURN(hcl::HclReport r, client->ReadHclReport(ud));
            SKR_ASSIGN_OR_RETURN(hcl::RuntimeClaims claims,
                                 hcl::RuntimeClaims::Parse(r.runtime_claims));
            SKR_ASSIGN_OR_RETURN(std::optional<Bytes> got, claims.UserData());
            if (!got || *got != ud)
              return VerificationFailed("the report does not carry the user data");
            return "user-data " + Short(encoding::HexEncodeUpper(ud)) +
                   " is in the new report; hardware report sha256 " +
                   Short(encoding::HexEncode(crypto::Sha256(r.hw_report)), 16);
          });
  run.Run("guest -> MAA: AzureGuest attestation (TPM quote, AK-certified ephemeral key, " +
              std::string(isolation == "sevsnpvm" ? "SNP report + VCEK chain from THIM"
                                                  : "TD quote from IMDS") +
              "), sealed token opened in the vTPM",
          [&]() -> Result<std::string> {
            client::AttestOptions ao;
            ao.flow = client::AttestationFlow::kAzureGuest;
            ao.nonce = "skr-harness-demo";
            SKR_ASSIGN_OR_RETURN(client::Attestation a, client->Attest(ao));
            const json& tee = a.claims.value("x-ms-isolation-tee", json::object());
            std::string type = tee.value("x-ms-attestation-type", std::string("?"));
            if (type != isolation) {
              return VerificationFailed("token x-ms-isolation-tee.x-ms-attestation-type is " +
                                        type + ", expected " + isolation);
            }
            std::string detail = "token from " + a.claims.value("iss", std::string("?")) +
                                 "; x-ms-attestation-type " +
                                 a.claims.value("x-ms-attestation-type", std::string("?")) +
                                 ", isolation " + type + ", " +
                                 tee.value("x-ms-compliance-status", std::string("?"));
            attestation = std::move(a);
            return detail;
          });
  if (!attestation || !key) return;
  std::optional<client::ReleasedKey> released;
  run.Run("guest -> Key Vault: release with the token (" +
              std::string(kv::KeyWrapAlgorithmName(enc)) + "), unwrap key_hsm in the vTPM",
          [&]() -> Result<std::string> {
            SKR_ASSIGN_OR_RETURN(client::ReleasedKey k,
                                 client->ReleaseKey(*attestation, key->kid, enc));
            std::string detail = "released " + k.kid + " (" + k.kty + "), " +
                                 std::to_string(k.key_material.size()) +
                                 " bytes of PKCS#8 unwrapped with TpmEphemeralEncryptionKey";
            released = std::move(k);
            return detail;
          });
  if (!released) return;
  run.Run("check: the released key is the vault's key", [&]() -> Result<std::string> {
    SKR_ASSIGN_OR_RETURN(Bytes vault_material, stack.vault().ExportKeyMaterial(key->name));
    if (vault_material != released->key_material) {
      return VerificationFailed("the unwrapped key differs from the vault's key material");
    }
    SKR_ASSIGN_OR_RETURN(crypto::PrivateKey pk,
                         crypto::PrivateKeyFromPkcs8Der(released->key_material));
    return "byte-identical PKCS#8, RSA-" + std::to_string(pk.bits()) + "; modulus " +
           Short(encoding::HexEncode(pk.public_key().Rsa()->n), 16);
  });
}

}  // namespace

int RunDemo(const DemoOptions& options, std::ostream& out) {
  StepRunner run(out, !options.json);
  if (!options.json) {
    out << "skr-harness demo: Azure Secure Key Release, emulated end to end (seed " << options.seed
        << ")\n";
  }
  std::unique_ptr<EmulatedStack> stack;
  run.Section("Emulated stack");
  run.Run("start emulated CVMs (SEV-SNP Milan, TDX, debuggable SEV-SNP), mock-maa, mock-kv",
          [&]() -> Result<std::string> {
            StackOptions so;
            so.seed = options.seed;
            emulator::cvm::CvmOptions snp, tdx, debug;
            snp.kind = CvmKind::kSnpMilan;
            tdx.kind = CvmKind::kTdx;
            debug.kind = CvmKind::kSnpMilan;
            debug.snp_policy = 0x30000 | kSnpDebugPolicyBit;
            so.cvms = {snp, tdx, debug};
            SKR_ASSIGN_OR_RETURN(stack, EmulatedStack::Start(std::move(so)));
            return "MAA " + stack->maa().url() + ", Key Vault " + stack->vault().url() +
                   "; vTPMs " + stack->cvm(0).tcti() + ", " + stack->cvm(1).tcti() + ", " +
                   stack->cvm(2).tcti();
          });
  if (stack) {
    run.Section("SEV-SNP CVM (Milan): attest and release");
    RunFlow(run, *stack, stack->cvm(0), "sevsnpvm", "snp-demo-key",
            kv::KeyWrapAlgorithm::kRsaAesKeyWrap256);
    run.Section("TDX CVM: attest and release");
    RunFlow(run, *stack, stack->cvm(1), "tdxvm", "tdx-demo-key",
            kv::KeyWrapAlgorithm::kRsaAesKeyWrap384);

    run.Section("Policy violation: a debuggable SEV-SNP CVM is refused");
    run.Run("guest (debug policy) -> MAA -> Key Vault: release must be refused",
            [&]() -> Result<std::string> {
              SKR_ASSIGN_OR_RETURN(VaultKey key,
                                   stack->CreateExportableKey("snp-guarded-key", "RSA-HSM", 2048,
                                                              stack->ReleasePolicyFor("sevsnpvm")));
              SKR_ASSIGN_OR_RETURN(auto client,
                                   client::SkrClient::Create(stack->ClientOptions(stack->cvm(2))));
              client::AttestOptions ao;
              SKR_ASSIGN_OR_RETURN(client::Attestation a, client->Attest(ao));
              const json& tee = a.claims.value("x-ms-isolation-tee", json::object());
              if (tee.value("x-ms-sevsnpvm-is-debuggable", false) != true) {
                return VerificationFailed(
                    "MAA should report x-ms-sevsnpvm-is-debuggable = true for this CVM");
              }
              auto released =
                  client->ReleaseKey(a, key.kid, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256);
              if (released.ok()) return VerificationFailed("the vault released the key");
              if (released.error().code() != ErrorCode::kPolicyViolation) {
                return released.error().WithContext("refused, but not as a policy violation");
              }
              return "token says is-debuggable = true; vault refused: " +
                     Short(released.error().message(), 160);
            });
  }
  if (options.json) {
    out << run.Json().dump(2) << "\n";
  } else {
    run.PrintSummary();
  }
  return run.all_ok() ? 0 : 1;
}

}  // namespace skr::harness
