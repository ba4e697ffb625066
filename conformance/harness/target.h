// What conformance checks run against: the emulated stack started in-process (with evidence,
// tokens and vault keys prepared once), or live endpoints named by flags / environment (a real
// MAA, a real Key Vault, a real CVM's TPM), where checks that need what was not given skip.
#ifndef SKR_CONFORMANCE_HARNESS_TARGET_H_
#define SKR_CONFORMANCE_HARNESS_TARGET_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "conformance/harness/stack.h"
#include "libskr/base/result.h"
#include "libskr/hcl/report.h"
#include "libskr/http/client.h"
#include "libskr/maa/requests.h"
#include "snp-tdx-emulator/imds/imds_server.h"

namespace skr::harness {

// Live endpoints. Environment: SKR_MAA_URL, SKR_VAULT_URL, SKR_KV_BEARER_TOKEN, SKR_TCTI,
// SKR_IMDS_URL, SKR_CA_BUNDLE (a PEM file; default: the system roots).
struct LiveEndpoints {
  std::string maa_url;
  std::string vault_url;
  std::string vault_bearer;  // an Entra token for the vault (aud https://vault.azure.net)
  std::string tcti;
  std::string imds_url;
  std::string ca_bundle_file;

  static LiveEndpoints FromEnvironment();
  bool empty() const { return maa_url.empty() && vault_url.empty() && tcti.empty(); }
};

// Evidence, tokens and keys of the emulated stack, prepared once per process.
struct EmulatedFixtures {
  int64_t now = 0;
  // SEV-SNP CVM 0: the SevSnpVm request MAA accepts, and what tampered variants need.
  maa::SevSnpVmRequest snp_request;
  std::string snp_chain_rest;  // ASK + ARK (PEM) after the VCEK
  std::string vcek_other_chip_pem, vcek_other_tcb_pem, foreign_root_chain_pem;
  Bytes snp_fresh_runtime;  // runtime claims of a later report (other user-data)
  uint8_t snp_fw_svn = 0, snp_microcode_svn = 0;
  maa::SevSnpVmRequest snp_debug_request;  // CVM 2: SEV-SNP with the DEBUG policy bit
  // TDX CVM 1.
  maa::TdxVmRequest tdx_request;
  Bytes tdx_fresh_runtime;
  Bytes foreign_intel_quote;  // same REPORTDATA, quoted by a platform with another Intel root
  // AzureGuest AttestationInfo of CVM 0 (TPM quote, AK, certified ephemeral key, SNP report).
  maa::AttestationInfo azure_guest_info;
  // MAA tokens (SevSnpVm unless named otherwise).
  std::string snp_token, tdx_token, debug_token, unsigned_token;
  std::string expired_token, future_token;               // beyond the vault's 60 s leeway
  std::string within_leeway_past, within_leeway_future;  // inside it
  std::string maa_signing_kid;
  // Vault: keys the checks release (names), and the caller.
  emulator::imds::ManagedIdentity caller;  // the SNP CVM's managed identity (get, release)
  emulator::imds::ManagedIdentity get_only, stranger;
};

class ConformanceTarget {
 public:
  static Result<std::unique_ptr<ConformanceTarget>> StartEmulated(uint64_t seed);
  static std::unique_ptr<ConformanceTarget> Live(LiveEndpoints endpoints);

  bool live() const { return !stack_; }
  EmulatedStack* stack() { return stack_.get(); }
  const EmulatedFixtures& fx() const { return fx_; }
  const LiveEndpoints& endpoints() const { return endpoints_; }
  std::optional<std::string> ca_bundle_pem() const { return ca_bundle_pem_; }
  // The Entra issuer of the emulated tenant (in live mode: an issuer the real service does not
  // trust, which is what the bearer negatives need).
  const emulator::imds::EntraIssuer& entra() const { return *entra_; }
  // A bearer token the vault accepts (emulated: the SNP CVM identity's; live: SKR_KV_BEARER_TOKEN).
  std::string vault_bearer() const;
  // Bearer for `identity` with the given audience and time window (relative to fx().now).
  Result<std::string> Bearer(const emulator::imds::ManagedIdentity& identity,
                             std::string_view audience, int64_t iat_offset, int64_t lifetime) const;

  Result<http::Client> MaaClient() const;
  Result<http::Client> VaultClient() const;

 private:
  ConformanceTarget() = default;
  Result<void> Prepare();

  std::unique_ptr<EmulatedStack> stack_;
  EmulatedFixtures fx_;
  LiveEndpoints endpoints_;
  std::optional<std::string> ca_bundle_pem_;
  std::optional<emulator::imds::EntraIssuer> entra_;
};

// MAA attestation paths with the api-versions the client uses (skr-protocol.md 6.13).
inline constexpr char kMaaSevSnpVmPath[] = "/attest/SevSnpVm?api-version=2022-08-01";
inline constexpr char kMaaTdxVmPath[] = "/attest/TdxVm?api-version=2023-04-01-preview";
inline constexpr char kMaaAzureGuestPath[] = "/attest/AzureGuest?api-version=2020-10-01";

// Names of the vault keys StartEmulated creates (skr-protocol.md 4.1/4.2).
inline constexpr char kKeySnp[] = "conf-snp";           // SevSnpVm, not debuggable
inline constexpr char kKeyTdxOnly[] = "conf-tdx-only";  // TdxVm only
inline constexpr char kKeyOtherAuthority[] = "conf-other-authority";
inline constexpr char kKeyHostData[] = "conf-hostdata";  // another host data
inline constexpr char kKeyNonExportable[] = "conf-non-exportable";
inline constexpr char kKeyDisabled[] = "conf-disabled";

}  // namespace skr::harness

#endif  // SKR_CONFORMANCE_HARNESS_TARGET_H_
