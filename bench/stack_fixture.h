// One emulated SKR stack per CVM kind (emulated CVM + mock-maa + mock-kv, conformance/harness
// stack.h), started on first use and shared by every benchmark that needs live evidence, a real
// MAA token or a vault key: the end-to-end flows (loopback HTTPS and in-process), the AzureGuest
// verification, policy and release stages, and the throughput runs.
#ifndef SKR_BENCH_STACK_FIXTURE_H_
#define SKR_BENCH_STACK_FIXTURE_H_

#include <memory>
#include <optional>
#include <string>

#include "client/skr_client.h"
#include "conformance/harness/stack.h"
#include "libskr/maa/requests.h"
#include "mock-kv/release_policy.h"
#include "mock-kv/token_verifier.h"
#include "snp-tdx-emulator/imds/imds_server.h"

namespace skr::bench {

// Everything the vault needs to run its release handler in-process (mock-kv/key_vault.cc Release,
// minus routing): the trust settings it was started with and the stored key version.
struct VaultSide {
  mock_kv::AttestationTrust attestation;
  mock_kv::IdentityTrust identity;
  std::string key_name;
  std::string kid;  // versioned key id
  std::string kty = "RSA-HSM";
  Bytes material;  // PKCS#8 DER, read once through KeyVaultService::ExportKeyMaterial
  std::string policy_canonical_json;  // what the vault stores and re-parses at each release
};

struct StackFixture {
  emulator::cvm::CvmKind kind;
  std::unique_ptr<harness::EmulatedStack> stack;
  std::unique_ptr<client::SkrClient> client;  // the guest, through the loopback services
  VaultSide vault;
  std::optional<emulator::imds::EntraIssuer> entra;  // the CVM's managed-identity issuer
  emulator::imds::ManagedIdentity identity;          // the system-assigned identity
  // One AzureGuest attestation captured at start: the request body the guest sent, its evidence,
  // the ephemeral key (kept alive: it lives in the vTPM), and the unsealed MAA token.
  maa::AttestationInfo info;
  std::string azure_guest_body;
  std::unique_ptr<client::EphemeralKey> ephemeral_key;
  std::string maa_token;
  nlohmann::json maa_claims;
  std::string bearer_token;  // an Entra token for the vault, from IMDS
  // The vault's JWKS cache for the MAA issuer, filled once (over HTTPS) at start, 1 h TTL.
  std::unique_ptr<mock_kv::JwksCache> jwks_cache;
};

// Started once per kind (aborts with the reason when the stack cannot start); never destroyed,
// its swtpm children die with the process (PR_SET_PDEATHSIG).
StackFixture& Stack(emulator::cvm::CvmKind kind);

// The MAA request target of the AzureGuest flow, as the guest library sends it.
inline constexpr char kAzureGuestTarget[] = "/attest/AzureGuest?api-version=2020-10-01";

// Aborts the benchmark binary with `what` when `ok` is false (setup only).
void Check(bool ok, const std::string& what);

}  // namespace skr::bench

#endif  // SKR_BENCH_STACK_FIXTURE_H_
