// An emulated Azure CVM vTPM: swtpm + the paravisor proxy + Azure's provisioning
// (evidence-formats.md 2.1, anchors.md 2.6 OpenVMM): EK (TCG RSA-2048 template, endorsement
// hierarchy, not persisted), AK = primary key in the ENDORSEMENT hierarchy with OpenVMM's AK
// attributes, persisted at 0x81000003, and PCRs 0-7 extended by a fixed emulated measured boot.
#ifndef SKR_EMULATOR_VTPM_AZURE_VTPM_H_
#define SKR_EMULATOR_VTPM_AZURE_VTPM_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/tpm/device.h"
#include "snp-tdx-emulator/vtpm/paravisor.h"
#include "snp-tdx-emulator/vtpm/swtpm_process.h"

namespace skr::emulator::vtpm {

inline constexpr uint32_t kAkHandle = 0x81000003;

// One event of the emulated measured boot, kept so a TCG event log can be produced.
struct BootEvent {
  uint32_t pcr = 0;
  uint32_t event_type = 0;  // TCG PC Client EV_* value
  Bytes event_data;
  Bytes sha1;    // SHA-1(event_data), extended into the SHA-1 bank
  Bytes sha256;  // SHA-256(event_data), extended into the SHA-256 bank
};

// The swtpm entropy key (Options::entropy_key) of the emulator seed `seed` and VM `vm_name` (empty:
// the seed's default VM): one derivation for the library (EmulatedCvm) and the CLI, so both make
// the same vTPM from the same seed.
Bytes EntropyKeyFromSeed(ByteView seed, std::string_view vm_name = {});

// The fixed event list (same bytes on every run).
std::vector<BootEvent> EmulatedBootEvents();

// The vTPM's keys, as the HCL report generator needs them (HCLAkPub / HCLEkPub).
struct VtpmKeys {
  tpm::KeyPublic ak;
  tpm::KeyPublic ek;
};

using ReportProviderFactory = std::function<ReportProvider(const VtpmKeys& keys)>;

class AzureVtpm {
 public:
  struct Options {
    ReportProviderFactory report_provider_factory;  // required
    Bytes ak_cert;                                  // DER for 0x01C101D0; empty = absent
    // When set, called with the provisioned keys to make the AK certificate (the AK only
    // exists after provisioning); overrides ak_cert.
    std::function<Result<Bytes>(const VtpmKeys& keys)> ak_cert_factory;
    // Empty: fresh temp swtpm state, deleted on stop. Otherwise kept (an existing AK is reused).
    std::filesystem::path state_dir;
    // The paravisor's command port P (control at P+1); 0 = a free pair.
    uint16_t listen_port = 0;
    // Passed to swtpm (SwtpmProcess::Options::entropy_key): 32 bytes make the TPM's seeds, and so
    // the EK and AK, follow from it; empty = the OS RNG.
    Bytes entropy_key;
  };

  static Result<std::unique_ptr<AzureVtpm>> Start(Options options);
  ~AzureVtpm();  // Stop()
  void Stop();

  // What the guest uses: "swtpm:host=127.0.0.1,port=<paravisor port>".
  std::string tcti() const { return paravisor_->tcti(); }
  const VtpmKeys& keys() const { return keys_; }
  const std::vector<BootEvent>& boot_events() const { return boot_events_; }
  Paravisor& paravisor() { return *paravisor_; }
  SwtpmProcess& swtpm() { return *swtpm_; }

 private:
  AzureVtpm() = default;
  Result<void> Provision();

  std::unique_ptr<SwtpmProcess> swtpm_;
  std::unique_ptr<Paravisor> paravisor_;
  VtpmKeys keys_;
  std::vector<BootEvent> boot_events_;
};

}  // namespace skr::emulator::vtpm

#endif  // SKR_EMULATOR_VTPM_AZURE_VTPM_H_
