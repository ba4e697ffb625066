// The emulated SKR stack, wired together in-process: mock-maa and mock-kv (both HTTPS with
// seed-derived test CAs) and any number of emulated CVMs (hardware + vTPM + IMDS), sharing one
// seed so they share one Entra tenant. This is what `skr-harness demo`, `serve`, the conformance
// suites and the end-to-end benchmarks run against.
#ifndef SKR_CONFORMANCE_HARNESS_STACK_H_
#define SKR_CONFORMANCE_HARNESS_STACK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/skr_client.h"
#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "mock-kv/key_vault.h"
#include "mock-maa/server.h"
#include "snp-tdx-emulator/cvm/emulated_cvm.h"

namespace skr::harness {

struct StackOptions {
  uint64_t seed = 1;
  // Service clock for MAA, Key Vault and the CVMs; nullopt: the system clock.
  std::optional<int64_t> now;
  // The CVMs to start first (their seed and clock are the stack's); MAA then trusts their
  // hardware roots and vTPM CA.
  std::vector<emulator::cvm::CvmOptions> cvms;
  // Key Vault access-policy permissions of the CVMs' managed identities (a guest normally only
  // gets and releases; an application that also creates its keys needs "create").
  std::vector<std::string> cvm_key_permissions = {"get", "release"};
};

// A key the harness created in the vault, with the policy it carries.
struct VaultKey {
  std::string name;
  std::string kid;  // versioned key id
  std::string kty;
  nlohmann::json policy;
};

class EmulatedStack {
 public:
  static Result<std::unique_ptr<EmulatedStack>> Start(StackOptions options);
  ~EmulatedStack();

  size_t cvm_count() const { return cvms_.size(); }
  emulator::cvm::EmulatedCvm& cvm(size_t i) { return *cvms_.at(i); }

  mock_maa::MaaServer& maa() { return *maa_; }
  mock_kv::KeyVaultService& vault() { return *kv_; }
  const std::string& maa_ca_pem() const { return maa_ca_pem_; }
  const std::string& kv_ca_pem() const { return kv_ca_pem_; }
  // MAA's and Key Vault's CAs in one bundle (what the client trusts).
  std::string ca_bundle_pem() const { return maa_ca_pem_ + kv_ca_pem_; }
  Bytes seed_bytes() const;
  int64_t Now() const;

  // Creates an exportable key through the Key Vault REST API as an operator identity.
  // kty: "RSA-HSM" | "EC-HSM" | "oct-HSM"; size: RSA bits, oct bits, or 0 for EC (crv P-256).
  Result<VaultKey> CreateExportableKey(const std::string& name, const std::string& kty, int size,
                                       const nlohmann::json& release_policy);
  // A release policy requiring an MAA token of this stack for the given isolation type
  // ("sevsnpvm" / "tdxvm"), compliant and (SNP) not debuggable.
  nlohmann::json ReleasePolicyFor(std::string_view attestation_type) const;

  // Client options for a CVM of this stack (TCTI, IMDS, MAA, vault, CA bundle).
  client::SkrClientOptions ClientOptions(const emulator::cvm::EmulatedCvm& cvm) const;

  // An Entra token of the operator identity (all key permissions) for direct REST calls.
  Result<std::string> OperatorToken() const;

 private:
  EmulatedStack() = default;

  StackOptions options_;
  std::unique_ptr<mock_maa::MaaServer> maa_;
  std::unique_ptr<mock_kv::KeyVaultService> kv_;
  std::string maa_ca_pem_, kv_ca_pem_;
  std::vector<std::unique_ptr<emulator::cvm::EmulatedCvm>> cvms_;
  // Operator tokens are signed by the CVMs' Entra issuer (one tenant: one seed).
  std::string operator_oid_ = "0b0a7e4d-0000-4000-8000-00000000c0de";
};

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_STACK_H_
