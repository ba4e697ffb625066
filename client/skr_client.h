// The whole guest-side Secure Key Release flow (skr-protocol.md 0): evidence from the vTPM and
// IMDS, attestation by MAA in one of three flows, release by Key Vault, unwrap inside the vTPM.
// The code path is the same on a real CVM and on the emulator; only the endpoints differ.
#ifndef SKR_CLIENT_SKR_CLIENT_H_
#define SKR_CLIENT_SKR_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/guest_tpm.h"
#include "client/services.h"
#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/hcl/report.h"
#include "libskr/kv/key_hsm.h"
#include "libskr/maa/requests.h"

namespace skr::client {

struct SkrClientOptions {
  std::string tcti = std::string(kDefaultTcti);
  ServiceEndpoint imds{std::string(kImdsUrl), std::nullopt};
  ServiceEndpoint maa;    // e.g. https://sharedeus.eus.attest.azure.net
  ServiceEndpoint vault;  // e.g. https://myvault.vault.azure.net
  IdentitySelector identity;
  std::string vault_resource = "https://vault.azure.net";  // or https://managedhsm.azure.net
  RetryPolicy retry;
  FreshReportOptions fresh_report;
};

struct AttestOptions {
  AttestationFlow flow = AttestationFlow::kAzureGuest;
  std::optional<std::string> nonce;  // sent as ClientPayload.nonce / request nonce
  // When set (64 bytes), a fresh HCL report carrying it is requested first; otherwise the current
  // report is used, as Microsoft's guest library does.
  std::optional<Bytes> user_data;
};

struct Attestation {
  AttestationFlow flow;
  std::string token;            // the MAA JWT (unsealed for AzureGuest)
  nlohmann::json claims;        // its payload, unverified (the relying party verifies)
  hcl::ReportType report_type;  // SNP or TDX, from the HCL report
  // AzureGuest: the ephemeral key MAA put in x-ms-runtime.keys, kept to unwrap the release.
  std::unique_ptr<EphemeralKey> ephemeral_key;
};

struct ReleasedKey {
  std::string kid;     // the versioned key id
  std::string kty;     // "RSA-HSM", "EC-HSM", "oct-HSM", ...
  Bytes key_material;  // PKCS#8 DER (RSA, EC) or raw bytes (oct)
  ReleaseResult release;
};

class SkrClient {
 public:
  static Result<std::unique_ptr<SkrClient>> Create(SkrClientOptions options);

  GuestTpm& tpm() { return *tpm_; }
  const SkrClientOptions& options() const { return options_; }

  // Parsed HCL report, as the flows use it.
  Result<hcl::HclReport> ReadHclReport(const std::optional<Bytes>& user_data = std::nullopt);
  // The AzureGuest AttestationInfo for the current evidence (exposed for inspection and tests).
  Result<maa::AttestationInfo> CollectAzureGuestEvidence(const hcl::HclReport& hcl,
                                                         const EphemeralKey& key,
                                                         const std::optional<std::string>& nonce);

  Result<Attestation> Attest(const AttestOptions& options);
  // Releases `key` (name, name/version or key id) with the token of `attestation`, then unwraps
  // key_hsm with the TPM key the vault wrapped to.
  Result<ReleasedKey> ReleaseKey(const Attestation& attestation, std::string_view key,
                                 std::optional<kv::KeyWrapAlgorithm> enc,
                                 std::optional<std::string> nonce = std::nullopt);

 private:
  SkrClient(SkrClientOptions o, std::unique_ptr<GuestTpm> tpm, ImdsClient imds)
      : options_(std::move(o)), tpm_(std::move(tpm)), imds_(std::move(imds)) {}
  Result<std::string> IsolationEvidence(const hcl::HclReport& hcl, maa::IsolationInfo& out);

  SkrClientOptions options_;
  std::unique_ptr<GuestTpm> tpm_;
  ImdsClient imds_;
};

// The JWT payload, without verifying the signature (for display and key selection).
Result<nlohmann::json> UnverifiedJwtClaims(std::string_view jwt);

}  // namespace skr::client

#endif  // SKR_CLIENT_SKR_CLIENT_H_
