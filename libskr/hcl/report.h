// The Azure vTPM "HCL report" at NV index 0x01400001 (evidence-formats.md 2.2): a header, the
// hardware report area (SNP ATTESTATION_REPORT, or TDREPORT + padding), the IGVM request data, and
// the runtime claims JSON whose hash the hardware report binds in REPORT_DATA.
#ifndef SKR_HCL_REPORT_H_
#define SKR_HCL_REPORT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/digest.h"
#include "libskr/jose/jwk.h"

namespace skr::hcl {

inline constexpr uint32_t kHclSignature = 0x414C4348;  // "HCLA" little-endian
inline constexpr size_t kHeaderSize = 0x20;
inline constexpr size_t kHwReportOffset = 0x20;
inline constexpr size_t kHwReportSize = 1184;  // SNP report size; a TDREPORT (1024) is zero-padded
inline constexpr size_t kTdReportSize = 1024;
inline constexpr size_t kRequestDataOffset = 0x4C0;
inline constexpr size_t kRequestDataFixedSize = 20;  // data_size..variable_data_size
inline constexpr size_t kClaimsOffset = 0x4D4;       // request-data v1; v2 inserts 4 bytes first
// NV sizes seen on Azure: 2600 (current, MS design doc), 2048 (2023 sample).
inline constexpr size_t kAzureNvSize = 2600;

// IGVM request type (openvmm IgvmAttestRequestType).
enum class RequestType : uint32_t { kInvalid = 0, kKeyRelease = 1, kAkCert = 2, kWrappedKey = 3 };
// What the hardware report area holds (openvmm IgvmAttestReportType).
enum class ReportType : uint32_t { kInvalid = 0, kVbs = 1, kSnp = 2, kTvm = 3, kTdx = 4 };
// How the runtime claims are hashed into REPORT_DATA.
enum class ClaimsHashType : uint32_t { kInvalid = 0, kSha256 = 1, kSha384 = 2, kSha512 = 3 };

std::string_view ReportTypeName(ReportType t);
Result<crypto::HashAlg> HashAlgOf(ClaimsHashType t);

struct HclReport {
  uint32_t header_version = 2;  // 1 (2023 Milan samples) or 2 (OpenHCL)
  RequestType request_type = RequestType::kAkCert;
  uint32_t status = 0;
  Bytes hw_report = Bytes(kHwReportSize, 0);  // always kHwReportSize bytes
  uint32_t request_data_version = 1;
  ReportType report_type = ReportType::kSnp;
  ClaimsHashType hash_type = ClaimsHashType::kSha256;
  std::optional<uint32_t> capability_bitmap;  // present iff request_data_version >= 2
  Bytes runtime_claims;                       // exact bytes hashed into REPORT_DATA

  // The hardware report proper: 1184 bytes for SNP, the first 1024 for TDX.
  ByteView HardwareReport() const;
};

// Parses an HCL report as read from NV (trailing zero padding up to the NV size allowed, not
// required).
Result<HclReport> ParseHclReport(ByteView data);
// Serializes; `nv_size` 0 gives the exact meaningful length, otherwise zero-pads to nv_size (which
// must be large enough). report_size and data_size are computed, as the paravisor does.
Result<Bytes> SerializeHclReport(const HclReport& report, size_t nv_size = kAzureNvSize);

// The runtime claims JSON (evidence-formats.md 2.4): keys (HCLAkPub, HCLEkPub), vm-configuration,
// user-data (64 bytes as 128 upper-case hex digits).
class RuntimeClaims {
 public:
  static Result<RuntimeClaims> Parse(ByteView json_bytes);

  const nlohmann::json& json() const { return json_; }
  // The JWK with this kid in "keys" (e.g. "HCLAkPub").
  Result<jose::Jwk> Key(std::string_view kid) const;
  const nlohmann::json* vm_configuration() const;
  // user-data decoded from hex; nullopt if absent.
  Result<std::optional<Bytes>> UserData() const;

 private:
  nlohmann::json json_;
};

}  // namespace skr::hcl

#endif  // SKR_HCL_REPORT_H_
