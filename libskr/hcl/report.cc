#include "libskr/hcl/report.h"

#include "libskr/encoding/encoding.h"

namespace skr::hcl {
namespace {

constexpr size_t kCapabilitySize = 4;  // IgvmAttestRequestDataExt { capability_bitmap }

size_t ClaimsOffset(uint32_t request_data_version) {
  return kClaimsOffset + (request_data_version >= 2 ? kCapabilitySize : 0);
}

std::string U32Text(uint32_t v) { return std::to_string(v); }

}  // namespace

std::string_view ReportTypeName(ReportType t) {
  switch (t) {
    case ReportType::kInvalid:
      return "invalid";
    case ReportType::kVbs:
      return "VBS";
    case ReportType::kSnp:
      return "SNP";
    case ReportType::kTvm:
      return "TVM";
    case ReportType::kTdx:
      return "TDX";
  }
  return "?";
}

Result<crypto::HashAlg> HashAlgOf(ClaimsHashType t) {
  switch (t) {
    case ClaimsHashType::kSha256:
      return crypto::HashAlg::kSha256;
    case ClaimsHashType::kSha384:
      return crypto::HashAlg::kSha384;
    case ClaimsHashType::kSha512:
      return crypto::HashAlg::kSha512;
    case ClaimsHashType::kInvalid:
      break;
  }
  return Malformed("HCL report: report_data_hash_type " + U32Text(static_cast<uint32_t>(t)) +
                   " is not 1 (SHA-256), 2 (SHA-384) or 3 (SHA-512)");
}

ByteView HclReport::HardwareReport() const {
  ByteView hw(hw_report);
  return report_type == ReportType::kTdx ? hw.first(kTdReportSize) : hw;
}

Result<HclReport> ParseHclReport(ByteView data) {
  ByteReader r(data, "HCL report");
  HclReport out;
  // Header (evidence-formats.md 2.2).
  SKR_ASSIGN_OR_RETURN(uint32_t signature, r.U32Le(0x00, "signature"));
  if (signature != kHclSignature) {
    return r.MalformedAt(0x00, "signature",
                         "expected \"HCLA\" (0x414c4348), found 0x" +
                             encoding::HexEncode(data.first(4)) + " (not an HCL report?)");
  }
  SKR_ASSIGN_OR_RETURN(out.header_version, r.U32Le(0x04, "version"));
  if (out.header_version != 1 && out.header_version != 2) {
    return Unsupported("HCL report: header version " + U32Text(out.header_version) +
                       " (known: 1, 2)");
  }
  SKR_ASSIGN_OR_RETURN(uint32_t report_size, r.U32Le(0x08, "report_size"));
  SKR_ASSIGN_OR_RETURN(uint32_t request_type, r.U32Le(0x0C, "request_type"));
  if (request_type < 1 || request_type > 3) {
    return r.MalformedAt(
        0x0C, "request_type",
        "expected 1 (key release), 2 (AK cert) or 3 (wrapped key), found " + U32Text(request_type));
  }
  out.request_type = static_cast<RequestType>(request_type);
  SKR_ASSIGN_OR_RETURN(out.status, r.U32Le(0x10, "status"));
  SKR_ASSIGN_OR_RETURN(ByteView reserved, r.Slice(0x14, 12, "reserved"));
  if (!IsAllZero(reserved)) return r.MalformedAt(0x14, "reserved", "must be zero");

  SKR_ASSIGN_OR_RETURN(ByteView hw, r.Slice(kHwReportOffset, kHwReportSize, "hw_report"));
  out.hw_report = ToBytes(hw);

  // IGVM request data.
  SKR_ASSIGN_OR_RETURN(uint32_t data_size, r.U32Le(0x4C0, "data_size"));
  SKR_ASSIGN_OR_RETURN(out.request_data_version, r.U32Le(0x4C4, "request_data.version"));
  if (out.request_data_version < 1 || out.request_data_version > 2) {
    return Unsupported("HCL report: request data version " + U32Text(out.request_data_version) +
                       " (known: 1, 2)");
  }
  SKR_ASSIGN_OR_RETURN(uint32_t report_type, r.U32Le(0x4C8, "report_type"));
  if (report_type < 1 || report_type > 4) {
    return r.MalformedAt(
        0x4C8, "report_type",
        "expected 2 (SNP), 3 (TVM), 4 (TDX) or 1 (VBS), found " + U32Text(report_type));
  }
  out.report_type = static_cast<ReportType>(report_type);
  SKR_ASSIGN_OR_RETURN(uint32_t hash_type, r.U32Le(0x4CC, "report_data_hash_type"));
  out.hash_type = static_cast<ClaimsHashType>(hash_type);
  SKR_RETURN_IF_ERROR(HashAlgOf(out.hash_type));
  SKR_ASSIGN_OR_RETURN(uint32_t claims_size, r.U32Le(0x4D0, "variable_data_size"));
  if (out.request_data_version >= 2) {
    SKR_ASSIGN_OR_RETURN(uint32_t bitmap, r.U32Le(kClaimsOffset, "capability_bitmap"));
    out.capability_bitmap = bitmap;
  }
  size_t claims_offset = ClaimsOffset(out.request_data_version);
  size_t ext = claims_offset - kClaimsOffset;
  SKR_ASSIGN_OR_RETURN(ByteView claims, r.Slice(claims_offset, claims_size, "runtime_claims"));
  out.runtime_claims = ToBytes(claims);

  // Sizes are derived, so they must agree (openvmm: report_size = base + ext + claims).
  size_t expected_data_size = kRequestDataFixedSize + ext + claims_size;
  if (data_size != expected_data_size) {
    return r.MalformedAt(0x4C0, "data_size",
                         "expected " + std::to_string(expected_data_size) +
                             " (20 + variable_data_size" + (ext ? " + 4" : "") + "), found " +
                             U32Text(data_size));
  }
  size_t expected_report_size = claims_offset + claims_size;
  if (report_size != expected_report_size) {
    return r.MalformedAt(0x08, "report_size",
                         "expected " + std::to_string(expected_report_size) +
                             " (header + hw report + request data + claims), found " +
                             U32Text(report_size));
  }
  // A TDREPORT is 1024 bytes; the rest of the 1184-byte area is padding.
  if (out.report_type == ReportType::kTdx && !IsAllZero(hw.subspan(kTdReportSize))) {
    return r.MalformedAt(kHwReportOffset + kTdReportSize, "hw_report padding",
                         "the 160 bytes after a TDREPORT must be zero");
  }
  ByteView padding = data.subspan(expected_report_size);
  if (!IsAllZero(padding)) {
    return r.MalformedAt(expected_report_size, "padding",
                         std::to_string(padding.size()) +
                             " bytes after the runtime claims must be zero (NV padding)");
  }
  return out;
}

Result<Bytes> SerializeHclReport(const HclReport& report, size_t nv_size) {
  if (report.hw_report.size() != kHwReportSize) {
    return InvalidArgument("HCL report: hw_report must be " + std::to_string(kHwReportSize) +
                           " bytes, got " + std::to_string(report.hw_report.size()));
  }
  if (report.capability_bitmap.has_value() != (report.request_data_version >= 2)) {
    return InvalidArgument(
        "HCL report: capability_bitmap is present iff request data version >= 2");
  }
  size_t claims_offset = ClaimsOffset(report.request_data_version);
  size_t ext = claims_offset - kClaimsOffset;
  size_t meaningful = claims_offset + report.runtime_claims.size();
  if (nv_size != 0 && nv_size < meaningful) {
    return InvalidArgument("HCL report of " + std::to_string(meaningful) +
                           " bytes does not fit an NV index of " + std::to_string(nv_size) +
                           " bytes: shorten the runtime claims");
  }
  ByteWriter w;
  w.AppendU32Le(kHclSignature);
  w.AppendU32Le(report.header_version);
  w.AppendU32Le(static_cast<uint32_t>(meaningful));
  w.AppendU32Le(static_cast<uint32_t>(report.request_type));
  w.AppendU32Le(report.status);
  w.Append(Bytes(12, 0));
  w.Append(report.hw_report);
  w.AppendU32Le(static_cast<uint32_t>(kRequestDataFixedSize + ext + report.runtime_claims.size()));
  w.AppendU32Le(report.request_data_version);
  w.AppendU32Le(static_cast<uint32_t>(report.report_type));
  w.AppendU32Le(static_cast<uint32_t>(report.hash_type));
  w.AppendU32Le(static_cast<uint32_t>(report.runtime_claims.size()));
  if (report.capability_bitmap) w.AppendU32Le(*report.capability_bitmap);
  w.Append(report.runtime_claims);
  Bytes out = std::move(w).Take();
  if (nv_size != 0) out.resize(nv_size, 0);
  return out;
}

Result<RuntimeClaims> RuntimeClaims::Parse(ByteView json_bytes) {
  RuntimeClaims c;
  c.json_ = nlohmann::json::parse(json_bytes.begin(), json_bytes.end(), nullptr, false);
  if (c.json_.is_discarded()) return Malformed("HCL runtime claims: not valid JSON");
  if (!c.json_.is_object()) return Malformed("HCL runtime claims: not a JSON object");
  auto keys = c.json_.find("keys");
  if (keys != c.json_.end() && !keys->is_array()) {
    return Malformed("HCL runtime claims: \"keys\" is not an array");
  }
  return c;
}

Result<jose::Jwk> RuntimeClaims::Key(std::string_view kid) const {
  auto keys = json_.find("keys");
  if (keys == json_.end()) return NotFound("HCL runtime claims have no \"keys\"");
  for (const auto& k : *keys) {
    if (k.is_object() && k.contains("kid") && k["kid"] == kid) return jose::Jwk::Parse(k);
  }
  return NotFound("HCL runtime claims have no key with kid \"" + std::string(kid) + "\"");
}

const nlohmann::json* RuntimeClaims::vm_configuration() const {
  auto it = json_.find("vm-configuration");
  return (it != json_.end() && it->is_object()) ? &*it : nullptr;
}

Result<std::optional<Bytes>> RuntimeClaims::UserData() const {
  auto it = json_.find("user-data");
  if (it == json_.end()) return std::optional<Bytes>();
  if (!it->is_string()) return Malformed("HCL runtime claims: \"user-data\" is not a string");
  SKR_ASSIGN_OR_RETURN(Bytes b, encoding::HexDecode(it->get<std::string>()));
  return std::optional<Bytes>(std::move(b));
}

}  // namespace skr::hcl
