// One emulated Azure confidential VM from one seed: the hardware (AMD SEV-SNP firmware with its
// AMD root of trust, or an Intel TDX module + QE with the Intel PKI), the Azure vTPM (swtpm +
// paravisor) whose HCL report is signed by that hardware for the user data the guest writes, an
// AK certificate at NV 0x01C101D0 from an emulated vTPM CA (evidence-formats.md 2.8, UNCONFIRMED
// profile), and IMDS (THIM for SNP, /acc/tdquote for TDX, managed-identity tokens).
#ifndef SKR_EMULATOR_CVM_EMULATED_CVM_H_
#define SKR_EMULATOR_CVM_EMULATED_CVM_H_

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/clock.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/http/server.h"
#include "libskr/x509/certificate.h"
#include "snp-tdx-emulator/amd/root_of_trust.h"
#include "snp-tdx-emulator/amd/snp_firmware.h"
#include "snp-tdx-emulator/imds/imds_server.h"
#include "snp-tdx-emulator/intel/tdx_platform.h"
#include "snp-tdx-emulator/vtpm/azure_vtpm.h"

namespace skr::emulator::cvm {

enum class CvmKind { kSnpMilan, kSnpGenoa, kSnpTurin, kTdx };
std::string_view CvmKindName(CvmKind kind);  // "snp-milan", ..., "tdx"
Result<CvmKind> CvmKindFromName(std::string_view name);
bool IsSnp(CvmKind kind);

struct CvmOptions {
  Bytes seed;
  // Several VMs of one seed (one tenant, one AMD/Intel host, one vTPM CA) tell themselves apart by
  // name: it selects the VM id and the vTPM (EK, AK). Empty: the seed's default VM.
  std::string vm_name;
  CvmKind kind = CvmKind::kSnpMilan;
  std::optional<int64_t> now;  // a FixedClock at this time; nullopt: the system clock
  // SEV-SNP launch parameters (defaults: amd::AzureLikeReportTemplate).
  std::optional<uint64_t> snp_policy;  // e.g. with bit 19 (DEBUG) set
  std::optional<std::array<uint8_t, 48>> measurement;
  std::optional<std::array<uint8_t, 32>> host_data;
  // TDX launch parameters (defaults: intel::TdConfigForSeed).
  std::optional<uint64_t> td_attributes;  // bit 0 = DEBUG
  std::optional<std::array<uint8_t, 48>> mr_td, mr_config_id, mr_owner, mr_owner_config;
  // Services.
  http::ListenAddress imds_listen;  // 127.0.0.1:0
  std::string location = "eastus";
  std::filesystem::path vtpm_state_dir;  // empty: fresh swtpm state, removed on Stop
};

// The emulated Azure vTPM CA (root "Azure Virtual TPM Root Certificate Authority 2023", issuing
// CA "Global Virtual TPM CA - 03"; RSA-2048, names per evidence-formats.md 2.8, UNCONFIRMED).
class VtpmCa {
 public:
  static Result<VtpmCa> Create(ByteView seed);
  const x509::Certificate& root() const { return root_; }
  const x509::Certificate& intermediate() const { return intermediate_; }
  // The AK certificate: subject CN "<vm id>.TrustedVM.Azure.windows.net", EKU 2.23.133.8.3
  // (tcg-kp-AIKCertificate), keyUsage digitalSignature, no AIA.
  Result<x509::Certificate> IssueAkCert(const crypto::PublicKey& ak, std::string_view vm_id,
                                        ByteView seed) const;

 private:
  VtpmCa(crypto::PrivateKey k, x509::Certificate r, x509::Certificate i)
      : intermediate_key_(std::move(k)), root_(std::move(r)), intermediate_(std::move(i)) {}
  crypto::PrivateKey intermediate_key_;
  x509::Certificate root_;
  x509::Certificate intermediate_;
};

class EmulatedCvm {
 public:
  static Result<std::unique_ptr<EmulatedCvm>> Start(CvmOptions options);
  ~EmulatedCvm();  // Stop()
  EmulatedCvm(const EmulatedCvm&) = delete;
  EmulatedCvm& operator=(const EmulatedCvm&) = delete;
  // Stops IMDS and the vTPM (paravisor, then swtpm: no process left). Idempotent.
  void Stop();

  CvmKind kind() const { return options_.kind; }
  std::string tcti() const { return vtpm_->tcti(); }
  std::string imds_url() const { return imds_->url(); }
  vtpm::AzureVtpm& vtpm() { return *vtpm_; }
  imds::ImdsServer& imds() { return *imds_; }
  const std::string& vm_id() const { return imds_->vm_id(); }

  // The hardware roots a verifier (mock-maa) trusts: the AMD ARK or the Intel SGX root CA.
  const x509::Certificate& platform_root() const;
  // The whole hardware chain, leaf last: ARK, ASK, VCEK or Intel root, PCK platform CA, PCK.
  std::vector<x509::Certificate> platform_chain() const;
  const VtpmCa& vtpm_ca() const { return *vtpm_ca_; }
  std::string vtpm_ca_pem() const;  // root then intermediate
  const x509::Certificate& ak_cert() const { return *ak_cert_; }

  // The Entra ID issuer of the managed-identity tokens.
  std::string entra_issuer() const { return imds_->issuer().issuer(); }
  std::string entra_jwks_url() const { return imds_->jwks_url(); }
  std::string entra_discovery_url() const { return imds_->discovery_url(); }

  // The hardware directly (what the paravisor asks for): the 1184-byte SNP report or the
  // 1024-byte TDREPORT for this REPORT_DATA.
  Result<Bytes> HardwareReport(ByteView report_data) const;
  // SNP only / TDX only (nullptr otherwise).
  const amd::AmdRootOfTrust* amd() const { return amd_.get(); }
  const amd::SnpFirmware* snp_firmware() const { return snp_.get(); }
  const intel::EmulatedTdxPlatform* tdx() const { return tdx_.get(); }

 private:
  explicit EmulatedCvm(CvmOptions o) : options_(std::move(o)) {}

  CvmOptions options_;
  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<amd::AmdRootOfTrust> amd_;
  std::unique_ptr<amd::SnpFirmware> snp_;
  std::unique_ptr<intel::EmulatedTdxPlatform> tdx_;
  std::unique_ptr<VtpmCa> vtpm_ca_;
  std::optional<x509::Certificate> ak_cert_;
  std::unique_ptr<imds::ImdsServer> imds_;
  std::unique_ptr<vtpm::AzureVtpm> vtpm_;
};

}  // namespace skr::emulator::cvm

#endif  // SKR_EMULATOR_CVM_EMULATED_CVM_H_
