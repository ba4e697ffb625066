#include "client/guest_tpm.h"

#include <thread>

#include "libskr/encoding/encoding.h"
#include "libskr/hcl/report.h"

namespace skr::client {

EphemeralKey::~EphemeralKey() {
  if (handle_ != ESYS_TR_NONE) (void)device_->FlushContext(handle_);
}

Result<Bytes> EphemeralKey::Decrypt(tpm::RsaDecryptScheme scheme, ByteView ciphertext) {
  return device_->RsaDecrypt(handle_, scheme, ciphertext, pcrs_);
}

Result<Bytes> EphemeralKey::DecryptOaep(crypto::HashAlg hash, ByteView ciphertext) {
  SKR_ASSIGN_OR_RETURN(tpm::RsaDecryptScheme scheme, tpm::OaepSchemeFor(hash));
  return Decrypt(scheme, ciphertext);
}

Result<std::unique_ptr<GuestTpm>> GuestTpm::Open(std::string_view tcti) {
  auto device = tpm::Device::Open(tcti);
  if (!device.ok()) {
    return device.error().WithContext(
        "opening the vTPM through TCTI \"" + std::string(tcti) +
        "\" (on a CVM: is /dev/tpmrm0 present and readable? with the emulator: pass the TCTI "
        "string it printed)");
  }
  return std::unique_ptr<GuestTpm>(new GuestTpm(std::move(device).value()));
}

Result<Bytes> GuestTpm::ReadHclReport() {
  auto raw = device_->NvRead(kNvHclReport);
  if (!raw.ok()) return raw.error().WithContext("reading the HCL report (NV 0x01400001)");
  return raw;
}

Result<Bytes> GuestTpm::RequestHclReport(ByteView user_data, const FreshReportOptions& options) {
  if (user_data.size() != kUserDataSize) {
    return InvalidArgument("HCL user data must be exactly 64 bytes, got " +
                           std::to_string(user_data.size()));
  }
  auto written = device_->NvWrite(kNvUserData, user_data);
  if (!written.ok()) return written.error().WithContext("writing user data to NV 0x01400002");
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  std::string last;
  for (;;) {
    SKR_ASSIGN_OR_RETURN(Bytes raw, ReadHclReport());
    auto report = hcl::ParseHclReport(raw);
    if (report.ok()) {
      auto claims = hcl::RuntimeClaims::Parse(report->runtime_claims);
      if (claims.ok()) {
        auto found = claims->UserData();
        if (found.ok() && found->has_value() && **found == ToBytes(user_data)) return raw;
        last = found.ok() && found->has_value()
                   ? "its user-data is " + encoding::HexEncodeUpper(**found)
                   : "it has no user-data";
      } else {
        last = claims.error().ToString();
      }
    } else {
      last = report.error().ToString();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Unavailable("no HCL report carrying the user data " +
                         encoding::HexEncodeUpper(user_data) + " within " +
                         std::to_string(options.timeout.count()) + " ms (last report: " + last +
                         "); the paravisor did not refresh NV 0x01400001 — retry, or raise the "
                         "timeout");
    }
    std::this_thread::sleep_for(options.poll_interval);
  }
}

Result<size_t> DerObjectLength(ByteView data) {
  if (data.size() < 2 || data[0] != 0x30) {
    return Malformed("expected a DER SEQUENCE (0x30) at offset 0, found " +
                     (data.empty() ? std::string("no bytes") : encoding::HexEncode(data.first(1))));
  }
  size_t header = 2;
  size_t len = data[1];
  if (len & 0x80) {
    const size_t n = len & 0x7F;
    if (n == 0 || n > 3) {
      return Malformed("DER length with " + std::to_string(n) + " length bytes is not supported");
    }
    if (data.size() < 2 + n) return Malformed("DER length runs past the buffer");
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | data[2 + i];
    header += n;
  }
  if (header + len > data.size()) {
    return Malformed("DER object of " + std::to_string(header + len) + " bytes in a buffer of " +
                     std::to_string(data.size()));
  }
  return header + len;
}

Result<Bytes> GuestTpm::ReadAkCert() {
  auto raw = device_->NvRead(kNvAkCert);
  if (!raw.ok()) return raw.error().WithContext("reading the AK certificate (NV 0x01C101D0)");
  auto len = DerObjectLength(*raw);
  if (!len.ok()) return len.error().WithContext("AK certificate in NV 0x01C101D0");
  return Bytes(raw->begin(), raw->begin() + static_cast<std::ptrdiff_t>(*len));
}

Result<tpm::KeyPublic> GuestTpm::ReadAkPublic() {
  auto pub = device_->ReadPublic(kAkHandle);
  if (!pub.ok()) return pub.error().WithContext("reading the AK public area (0x81000003)");
  return pub;
}

Result<tpm::QuoteResult> GuestTpm::QuotePcrs(const std::vector<uint32_t>& pcrs, ByteView nonce) {
  auto quote = device_->Quote(kAkHandle, pcrs, nonce);
  if (!quote.ok()) return quote.error().WithContext("quoting PCRs with the AK (0x81000003)");
  return quote;
}

Result<std::vector<Bytes>> GuestTpm::ReadPcrs(const std::vector<uint32_t>& pcrs) {
  std::vector<Bytes> out;
  for (uint32_t p : pcrs) {
    SKR_ASSIGN_OR_RETURN(Bytes v, device_->PcrRead(p, TPM2_ALG_SHA256));
    out.push_back(std::move(v));
  }
  return out;
}

Result<std::unique_ptr<EphemeralKey>> GuestTpm::CreateEphemeralKey(
    const std::vector<uint32_t>& pcrs) {
  auto policy = device_->PolicyPcrDigest(pcrs);
  if (!policy.ok()) return policy.error().WithContext("computing the ephemeral key's PCR policy");
  ESYS_TR handle = ESYS_TR_NONE;
  auto pub = device_->CreatePrimary(tpm::Hierarchy::kNull, tpm::AzureEphemeralKeyTemplate(*policy),
                                    &handle);
  if (!pub.ok()) return pub.error().WithContext("creating the ephemeral encryption key");
  std::unique_ptr<EphemeralKey> key(new EphemeralKey(device_.get(), handle, pcrs));
  key->public_ = std::move(pub).value();
  ByteWriter w;
  w.AppendSized16Be(key->public_.tpmt_public);
  key->tpm2b_public_ = std::move(w).Take();
  auto cert = device_->Certify(handle, kAkHandle, {});
  if (!cert.ok()) return cert.error().WithContext("certifying the ephemeral key with the AK");
  key->certification_ = std::move(cert).value();
  return key;
}

}  // namespace skr::client
