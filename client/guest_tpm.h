// The guest's view of the Azure vTPM (skr-protocol.md 0 and 2.1, evidence-formats.md 2.1-2.8):
// the HCL report at NV 0x01400001 and the user data that refreshes it at 0x01400002, the AK at
// 0x81000003 and its certificate at 0x01C101D0, PCR quotes, and the ephemeral encryption key that
// Key Vault and MAA encrypt to. The same code runs on a real CVM ("device:/dev/tpmrm0") and on the
// emulator ("swtpm:host=127.0.0.1,port=P").
#ifndef SKR_CLIENT_GUEST_TPM_H_
#define SKR_CLIENT_GUEST_TPM_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/tpm/device.h"

namespace skr::client {

inline constexpr uint32_t kNvHclReport = 0x01400001;
inline constexpr uint32_t kNvUserData = 0x01400002;
inline constexpr uint32_t kNvAkCert = 0x01C101D0;
inline constexpr uint32_t kAkHandle = 0x81000003;
inline constexpr size_t kUserDataSize = 64;
// PCRs the Linux guest attestation library quotes and binds the ephemeral key to
// (skr-protocol.md 1.4, AttestationLibUtils.cpp).
inline const std::vector<uint32_t> kAzurePcrs = {0, 1, 2, 3, 4, 5, 6, 7};

// The default TCTI: the in-kernel resource manager of a real CVM.
inline constexpr std::string_view kDefaultTcti = "device:/dev/tpmrm0";

// How long to wait for the paravisor to produce a report carrying new user data. On Azure the
// report is regenerated asynchronously (kinvolk's tool sleeps 3 s); the emulator answers at once.
struct FreshReportOptions {
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds poll_interval{100};
};

// An RSA-2048 decryption key created in the TPM from the Azure ephemeral-key template and certified
// by the AK. Flushed when destroyed.
class EphemeralKey {
 public:
  ~EphemeralKey();
  EphemeralKey(const EphemeralKey&) = delete;
  EphemeralKey& operator=(const EphemeralKey&) = delete;

  const tpm::KeyPublic& public_key() const { return public_; }
  // Marshaled TPM2B_PUBLIC: what AzureGuest sends as TpmInfo.EncKeyPub.
  const Bytes& tpm2b_public() const { return tpm2b_public_; }
  // TPM2_Certify(this key, AK): TpmInfo.EncKeyCertifyInfo and EncKeyCertifyInfoSignature.
  const tpm::CertifyResult& certification() const { return certification_; }
  const std::vector<uint32_t>& policy_pcrs() const { return pcrs_; }

  // Decrypts inside the TPM under the PCR policy the key was created with.
  Result<Bytes> Decrypt(tpm::RsaDecryptScheme scheme, ByteView ciphertext);
  // The OAEP decryption of a key_hsm transfer key wrapped with `hash` (kv::UnwrapKeyHsm's
  // callback).
  Result<Bytes> DecryptOaep(crypto::HashAlg hash, ByteView ciphertext);

 private:
  friend class GuestTpm;
  EphemeralKey(tpm::Device* device, ESYS_TR handle, std::vector<uint32_t> pcrs)
      : device_(device), handle_(handle), pcrs_(std::move(pcrs)) {}

  tpm::Device* device_;
  ESYS_TR handle_;
  std::vector<uint32_t> pcrs_;
  tpm::KeyPublic public_;
  Bytes tpm2b_public_;
  tpm::CertifyResult certification_;
};

class GuestTpm {
 public:
  static Result<std::unique_ptr<GuestTpm>> Open(std::string_view tcti = kDefaultTcti);

  tpm::Device& device() { return *device_; }

  // The whole NV 0x01400001 as the paravisor holds it (report plus zero padding), read in chunks of
  // the TPM's TPM_PT_NV_BUFFER_MAX.
  Result<Bytes> ReadHclReport();
  // Writes 64 bytes of user data to 0x01400002 and returns the first HCL report whose runtime
  // claims carry exactly that user-data (so the hardware report binding it is fresh). kUnavailable
  // if none arrives within the timeout.
  Result<Bytes> RequestHclReport(ByteView user_data, const FreshReportOptions& options = {});

  // The AK certificate (DER, trailing NV padding removed) and the AK's public area.
  Result<Bytes> ReadAkCert();
  Result<tpm::KeyPublic> ReadAkPublic();

  // TPM2_Quote by the AK over SHA-256 PCRs (AzureGuest sends an empty nonce).
  Result<tpm::QuoteResult> QuotePcrs(const std::vector<uint32_t>& pcrs, ByteView nonce);
  // The SHA-256 values of these PCRs, in order.
  Result<std::vector<Bytes>> ReadPcrs(const std::vector<uint32_t>& pcrs);

  // Creates the ephemeral key (NULL-hierarchy primary bound to the current values of `pcrs`) and
  // has the AK certify it.
  Result<std::unique_ptr<EphemeralKey>> CreateEphemeralKey(
      const std::vector<uint32_t>& pcrs = kAzurePcrs);

 private:
  explicit GuestTpm(std::unique_ptr<tpm::Device> device) : device_(std::move(device)) {}
  std::unique_ptr<tpm::Device> device_;
};

// The length of the DER object at the start of `data` (tag, length, contents), so NV padding after
// a certificate can be cut. kMalformed if the header is not a definite-length DER SEQUENCE or runs
// past the buffer.
Result<size_t> DerObjectLength(ByteView data);

}  // namespace skr::client

#endif  // SKR_CLIENT_GUEST_TPM_H_
