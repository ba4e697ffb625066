#include "snp-tdx-emulator/vtpm/azure_vtpm.h"

#include <string_view>

#include "libskr/crypto/digest.h"
#include "libskr/crypto/drbg.h"

namespace skr::emulator::vtpm {
namespace {

// TCG PC Client Platform Firmware Profile event types.
constexpr uint32_t kEvSeparator = 0x00000004;
constexpr uint32_t kEvSCrtmVersion = 0x00000008;
constexpr uint32_t kEvEfiVariableDriverConfig = 0x80000001;
constexpr uint32_t kEvEfiBootServicesApplication = 0x80000003;
constexpr uint32_t kEvEfiHandoffTables = 0x80000006;
constexpr uint32_t kEvEfiPlatformFirmwareBlob = 0x80000008;
constexpr uint32_t kEvEfiAction = 0x80000007;

BootEvent Event(uint32_t pcr, uint32_t type, ByteView data) {
  BootEvent e;
  e.pcr = pcr;
  e.event_type = type;
  e.event_data = ToBytes(data);
  e.sha1 = crypto::Sha1(data);
  e.sha256 = crypto::Sha256(data);
  return e;
}

}  // namespace

Bytes EntropyKeyFromSeed(ByteView seed, std::string_view vm_name) {
  std::string label = "vtpm/swtpm-entropy";
  if (!vm_name.empty()) label += "/" + std::string(vm_name);
  return crypto::Drbg(seed, label).Generate(32);
}

std::vector<BootEvent> EmulatedBootEvents() {
  std::vector<BootEvent> ev;
  ev.push_back(Event(0, kEvSCrtmVersion, AsBytes("skr-harness emulated Hyper-V UEFI v1.0")));
  ev.push_back(Event(0, kEvEfiPlatformFirmwareBlob, AsBytes("skr-harness emulated firmware")));
  ev.push_back(Event(1, kEvEfiHandoffTables, AsBytes("skr-harness emulated SMBIOS")));
  ev.push_back(Event(2, kEvEfiPlatformFirmwareBlob, AsBytes("skr-harness emulated option ROMs")));
  ev.push_back(Event(4, kEvEfiAction, AsBytes("Calling EFI Application from Boot Option")));
  ev.push_back(Event(4, kEvEfiBootServicesApplication, AsBytes("\\EFI\\BOOT\\BOOTX64.EFI")));
  ev.push_back(Event(5, kEvEfiAction, AsBytes("Exit Boot Services Invocation")));
  ev.push_back(Event(7, kEvEfiVariableDriverConfig, AsBytes("SecureBoot=01")));
  const uint8_t zero[4] = {0, 0, 0, 0};
  for (uint32_t pcr = 0; pcr <= 7; ++pcr) ev.push_back(Event(pcr, kEvSeparator, zero));
  return ev;
}

Result<std::unique_ptr<AzureVtpm>> AzureVtpm::Start(Options options) {
  if (!options.report_provider_factory) {
    return InvalidArgument("AzureVtpm: report_provider_factory is required");
  }
  std::unique_ptr<AzureVtpm> v(new AzureVtpm());
  SwtpmProcess::Options so;
  so.state_dir = options.state_dir;
  so.entropy_key = options.entropy_key;
  SKR_ASSIGN_OR_RETURN(v->swtpm_, SwtpmProcess::Start(so));
  if (auto r = v->Provision(); !r.ok()) return r.error().WithContext("AzureVtpm provisioning");
  Paravisor::Options po;
  po.swtpm_port = v->swtpm_->port();
  po.listen_port = options.listen_port;
  po.report_provider = options.report_provider_factory(v->keys_);
  po.ak_cert = std::move(options.ak_cert);
  if (options.ak_cert_factory) {
    auto cert = options.ak_cert_factory(v->keys_);
    if (!cert.ok()) return cert.error().WithContext("AzureVtpm: AK certificate");
    po.ak_cert = std::move(cert).value();
  }
  SKR_ASSIGN_OR_RETURN(v->paravisor_, Paravisor::Start(std::move(po)));
  return v;
}

Result<void> AzureVtpm::Provision() {
  // A short-lived direct connection; closed before the paravisor takes swtpm's one connection.
  SKR_ASSIGN_OR_RETURN(auto dev, tpm::Device::Open(swtpm_->tcti()));

  ESYS_TR ek = ESYS_TR_NONE;
  SKR_ASSIGN_OR_RETURN(keys_.ek,
                       dev->CreatePrimary(tpm::Hierarchy::kEndorsement, tpm::RsaEkTemplate(), &ek));
  SKR_RETURN_IF_ERROR(dev->FlushContext(ek));

  // OpenVMM create_ak_pub: reuse an existing AK (persisted state), else create and persist.
  auto existing = dev->ReadPublic(kAkHandle);
  if (existing.ok()) {
    keys_.ak = std::move(*existing);
  } else if (existing.error().code() == ErrorCode::kNotFound) {
    ESYS_TR ak = ESYS_TR_NONE;
    SKR_ASSIGN_OR_RETURN(
        keys_.ak, dev->CreatePrimary(tpm::Hierarchy::kEndorsement, tpm::AzureAkTemplate(), &ak));
    auto persisted = dev->EvictControl(ak, kAkHandle);
    SKR_RETURN_IF_ERROR(dev->FlushContext(ak));
    SKR_RETURN_IF_ERROR(persisted);
  } else {
    return existing.error();
  }

  // PCRs reset on every swtpm start (startup-clear), so the boot is measured every time.
  boot_events_ = EmulatedBootEvents();
  for (const BootEvent& e : boot_events_) {
    SKR_RETURN_IF_ERROR(dev->PcrExtend(e.pcr, TPM2_ALG_SHA1, e.sha1));
    SKR_RETURN_IF_ERROR(dev->PcrExtend(e.pcr, TPM2_ALG_SHA256, e.sha256));
  }
  return Ok();
}

void AzureVtpm::Stop() {
  if (paravisor_) paravisor_->Stop();
  if (swtpm_) swtpm_->Stop();
}

AzureVtpm::~AzureVtpm() { Stop(); }

}  // namespace skr::emulator::vtpm
