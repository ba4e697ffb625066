// Intel TDX byte layouts (evidence-formats.md 3): the 1024-byte TDREPORT a TD gets from the TDX
// module, and the TD Quote (v4, and v5 framing) the Quoting Enclave signs. Parse and serialize are
// lossless (reserved bytes are kept), so Serialize(Parse(x)) == x. Modelled on go-tdx-guest `abi`.
#ifndef SKR_TDX_ABI_H_
#define SKR_TDX_ABI_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::tdx {

template <size_t N>
using Array = std::array<uint8_t, N>;
using Measurement = Array<48>;  // SHA-384 sized: MRTD, RTMRs, MRSEAM, MRCONFIGID ...
using ReportData = Array<64>;
using TcbSvn = Array<16>;

inline constexpr size_t kTdReportSize = 1024;
inline constexpr size_t kReportMacStructSize = 256;
inline constexpr size_t kTeeTcbInfoOffset = 0x100;
inline constexpr size_t kTeeTcbInfoSize = 239;
inline constexpr size_t kTdInfoOffset = 0x200;
inline constexpr size_t kTdInfoSize = 512;
inline constexpr size_t kTdReportDataOffset = 0x80;  // within the TDREPORT

inline constexpr uint8_t kTeeTypeTdx = 0x81;
inline constexpr uint64_t kTdAttributeDebug = 1;  // TDINFO.ATTRIBUTES bit 0

// --- TDREPORT (evidence-formats.md 3.1) ---------------------------------------------------------

struct ReportMacStruct {  // TDREPORT 0x000..0x100
  uint8_t report_type = kTeeTypeTdx;
  uint8_t report_subtype = 0;
  uint8_t report_version = 0;  // 0 = TDX 1.0 (all Azure samples)
  uint8_t reserved0 = 0;
  Array<12> reserved1{};
  TcbSvn cpu_svn{};
  Measurement tee_tcb_info_hash{};  // SHA-384(TEE_TCB_INFO)
  Measurement tee_info_hash{};      // SHA-384(TDINFO)
  ReportData report_data{};
  Array<32> reserved2{};
  Array<32> mac{};
};

struct TeeTcbInfo {  // TDREPORT 0x100..0x1EF (239 bytes)
  Array<8> valid{};
  TcbSvn tee_tcb_svn{};
  Measurement mr_seam{};
  Measurement mr_signer_seam{};
  Array<8> attributes{};  // SEAM attributes
  TcbSvn tee_tcb_svn2{};  // TDX 1.5
  Array<95> reserved{};
};

struct TdInfo {             // TDREPORT 0x200..0x400
  uint64_t attributes = 0;  // TD attributes; bit 0 = DEBUG
  uint64_t xfam = 0;
  Measurement mr_td{};
  Measurement mr_config_id{};
  Measurement mr_owner{};
  Measurement mr_owner_config{};
  std::array<Measurement, 4> rtmr{};
  Measurement servtd_hash{};  // TDX 1.5
  Array<64> reserved{};
};

struct TdReport {
  ReportMacStruct mac_struct;
  TeeTcbInfo tee_tcb_info;
  Array<17> reserved{};  // 0x1EF..0x200
  TdInfo td_info;
};

Result<TdReport> ParseTdReport(ByteView data);  // exactly 1024 bytes
Bytes SerializeTdReport(const TdReport& report);
Bytes SerializeTeeTcbInfo(const TeeTcbInfo& info);  // the 239 bytes TEE_TCB_INFO_HASH covers
Bytes SerializeTdInfo(const TdInfo& info);          // the 512 bytes TEE_INFO_HASH covers

// --- TD Quote (evidence-formats.md 3.2-3.4) -----------------------------------------------------

inline constexpr size_t kQuoteHeaderSize = 48;
inline constexpr size_t kTdQuoteBody10Size = 584;  // v4 body; v5 body type 2
inline constexpr size_t kTdQuoteBody15Size = 648;  // v5 body type 3 (TDX 1.5)
inline constexpr size_t kSgxReportBodySize = 384;
inline constexpr uint16_t kAttestationKeyTypeEcdsaP256 = 2;
inline constexpr uint16_t kCertDataTypeQeReport = 6;
inline constexpr uint16_t kCertDataTypePckChain = 5;
inline constexpr uint16_t kBodyTypeTdx10 = 2;
inline constexpr uint16_t kBodyTypeTdx15 = 3;
// Intel's QE vendor id, 939a7233-f79c-4ca9-940a-0db3957f0607.
inline constexpr Array<16> kIntelQeVendorId = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                               0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

struct QuoteHeader {
  uint16_t version = 4;
  uint16_t attestation_key_type = kAttestationKeyTypeEcdsaP256;
  uint32_t tee_type = kTeeTypeTdx;
  // 0x08 and 0x0A, named as go-tdx-guest does; Intel's v4 header calls them reserved and every TDX
  // sample has 0 there, so the QE's real SVN is in the QE report (isv_svn).
  uint16_t pce_svn = 0;
  uint16_t qe_svn = 0;
  Array<16> qe_vendor_id = kIntelQeVendorId;
  Array<20> user_data{};
};

struct TdQuoteBody {
  TcbSvn tee_tcb_svn{};
  Measurement mr_seam{};
  Measurement mr_signer_seam{};
  Array<8> seam_attributes{};
  uint64_t td_attributes = 0;
  uint64_t xfam = 0;
  Measurement mr_td{};
  Measurement mr_config_id{};
  Measurement mr_owner{};
  Measurement mr_owner_config{};
  std::array<Measurement, 4> rtmr{};
  ReportData report_data{};
  // Only in a v5 body of type 3 (TDX 1.5).
  TcbSvn tee_tcb_svn2{};
  Measurement mr_servicetd{};
};

// SGX REPORTBODY (384 bytes): the QE's own report.
struct SgxReportBody {
  TcbSvn cpu_svn{};
  uint32_t misc_select = 0;
  Array<28> reserved1{};
  Array<16> attributes{};
  Array<32> mr_enclave{};
  Array<32> reserved2{};
  Array<32> mr_signer{};
  Array<96> reserved3{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  Array<60> reserved4{};
  ReportData report_data{};
};

Result<SgxReportBody> ParseSgxReportBody(ByteView data);  // exactly 384 bytes
Bytes SerializeSgxReportBody(const SgxReportBody& body);

// Certification data type 6 (evidence-formats.md 3.4).
struct QeReportCertificationData {
  SgxReportBody qe_report;
  Array<64> qe_report_signature{};  // r||s big-endian, by the PCK leaf key
  Bytes qe_auth_data;
  // Inner certification data; only type 5 (PCK chain PEM: leaf, intermediate CA, root CA) is
  // supported. Kept as sent, including a trailing NUL.
  uint16_t pck_cert_data_type = kCertDataTypePckChain;
  Bytes pck_chain_pem;
};

struct QuoteSignatureData {
  Array<64> signature{};        // r||s big-endian over SHA-256(header || body)
  Array<64> attestation_key{};  // P-256 x||y big-endian
  uint16_t cert_data_type = kCertDataTypeQeReport;
  QeReportCertificationData qe_cert_data;
};

struct TdQuote {
  QuoteHeader header;
  // v5 only: the body type (2 = TDX 1.0, 3 = TDX 1.5). v4 bodies are TDX 1.0.
  uint16_t body_type = kBodyTypeTdx10;
  TdQuoteBody body;
  QuoteSignatureData signature_data;
  // Bytes after the signature data (Azure IMDS appends 70 zero bytes, evidence-formats.md 2.6).
  // Kept so that serialization is lossless; not covered by any signature.
  Bytes trailing;
};

// Parses a v4 or v5 TD quote with ECDSA-P256 attestation key and QE-report certification data.
// Errors name the field, its offset and what was expected versus found.
Result<TdQuote> ParseTdQuote(ByteView data);
// Serializes (v4 or v5 per header.version), sizes computed, `trailing` appended.
Result<Bytes> SerializeTdQuote(const TdQuote& quote);
// The bytes the attestation key signs: header || body (v5: || body type || body size first).
Result<Bytes> QuoteSignedMessage(const TdQuote& quote);
Bytes SerializeQuoteHeader(const QuoteHeader& header);
// The body as laid out in the quote (584 bytes, or 648 for body type 3).
Bytes SerializeTdQuoteBody(const TdQuoteBody& body, uint16_t body_type = kBodyTypeTdx10);
// The serialized signature data (the part after its 4-byte length).
Bytes SerializeQuoteSignatureData(const QuoteSignatureData& sig);

// The TD quote body the Quoting Enclave copies out of a TDREPORT (evidence-formats.md 3.2,
// "Mapping from the TDREPORT"). TDX 1.5 fields are copied too (only serialized for body type 3).
TdQuoteBody QuoteBodyFromTdReport(const TdReport& report);

}  // namespace skr::tdx

#endif  // SKR_TDX_ABI_H_
