// The AMD SEV-SNP ATTESTATION_REPORT (evidence-formats.md 1.1-1.4): a value type with every field,
// exact 1184-byte parse/serialize for versions 2, 3 (and 4, read as 3) and 5, TCB_VERSION in the
// Milan/Genoa and Turin layouts, processor generation detection and the policy/platform bitfields.
// Like go-sev-guest's abi package: bytes <-> fields only; no signature or policy checks here.
#ifndef SKR_SNP_ABI_H_
#define SKR_SNP_ABI_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"

namespace skr::snp {

inline constexpr size_t kReportSize = 0x4A0;  // 1184, all versions
inline constexpr size_t kSignedSize = 0x2A0;  // bytes covered by the signature (1.5)
inline constexpr size_t kSignatureOffset = 0x2A0;
inline constexpr size_t kSignatureComponentSize = 72;  // r and s, little-endian, zero-extended
inline constexpr uint32_t kSignatureAlgoEcdsaP384Sha384 = 1;
inline constexpr uint64_t kPolicyReservedMustBeOne = 1ull << 17;

// Processor generation (evidence-formats.md 1.2). The TCB layout depends on it (1.4).
enum class Product { kUnknown, kMilan, kGenoa, kTurin };

std::string_view ProductName(Product p);  // "Milan", "Genoa", "Turin", "unknown"
// From a VCEK productName ("Milan-B0", "Genoa", "Turin"; the part before '-') or a KDS product
// path segment. NotFound-free: Unsupported for anything else.
Result<Product> ProductFromName(std::string_view name);
// From CPUID family/model (v3+ reports): Milan 0x19/0x00-0x0F, Genoa 0x19/0x10-0x1F or 0xA0-0xAF,
// Turin 0x1A/0x00-0x11. kUnknown otherwise.
Product ProductFromCpuid(uint8_t family, uint8_t model);
// True for Turin and later: the TCB_VERSION layout with an FMC byte, 8-byte CHIP_ID.
bool UsesTurinTcbLayout(Product p);

// The security patch levels of one TCB_VERSION. `fmc` exists on Turin only (zero otherwise).
struct TcbParts {
  uint8_t fmc = 0;
  uint8_t bootloader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;
  bool operator==(const TcbParts&) const = default;
};

// An 8-byte TCB_VERSION as stored in the report (little-endian u64). Its meaning depends on the
// product (evidence-formats.md 1.4): Milan/Genoa bl=byte0 tee=byte1 snp=byte6 ucode=byte7;
// Turin fmc=byte0 bl=byte1 tee=byte2 snp=byte3 ucode=byte7.
struct TcbVersion {
  uint64_t raw = 0;

  // Unknown product decodes with the Milan/Genoa ("legacy") layout.
  static TcbVersion FromParts(Product product, const TcbParts& parts);
  TcbParts Parts(Product product) const;
  // Bytes 2-5 (legacy) or 4-6 (Turin) are reserved; true if any is set.
  bool HasReservedBits(Product product) const;
  // The Azure THIM "tcbm" form: the u64 as 16 upper-case hex digits (e.g. "DB18000000000004").
  std::string Tcbm() const;
  bool operator==(const TcbVersion&) const = default;
};
std::string TcbPartsToString(const TcbParts& p);  // "bl=3 tee=0 snp=8 ucode=115 (fmc=0)"

// POLICY (evidence-formats.md 1.3).
struct GuestPolicy {
  uint8_t abi_minor = 0;
  uint8_t abi_major = 0;
  bool smt = false;
  bool migrate_ma = false;
  bool debug = false;
  bool single_socket = false;
  bool cxl_allow = false;
  bool mem_aes_256_xts = false;
  bool rapl_dis = false;
  bool ciphertext_hiding_dram = false;
  bool page_swap_disable = false;

  // Bit 17 (reserved, must be one) is always set.
  uint64_t ToRaw() const;
  // Malformed if bit 17 is clear or any of bits 63:26 is set.
  static Result<GuestPolicy> FromRaw(uint64_t raw);
};

// PLATFORM_INFO (evidence-formats.md 1.3).
struct PlatformInfo {
  bool smt_en = false;
  bool tsme_en = false;
  bool ecc_en = false;
  bool rapl_dis = false;
  bool ciphertext_hiding_dram_en = false;
  bool alias_check_complete = false;
  bool tio_en = false;

  uint64_t ToRaw() const;
  static PlatformInfo FromRaw(uint64_t raw);
};

// KEY_INFO SIGNING_KEY values.
enum class SigningKey : uint32_t { kVcek = 0, kVlek = 1, kNone = 7 };

// Every field of the report, offsets in evidence-formats.md 1.1. Fixed-size byte fields are
// arrays; signature r and s are kept as stored (little-endian, 72 bytes).
struct SnpReport {
  uint32_t version = 2;
  uint32_t guest_svn = 0;
  uint64_t policy = kPolicyReservedMustBeOne;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = kSignatureAlgoEcdsaP384Sha384;
  TcbVersion current_tcb;
  uint64_t platform_info = 0;
  uint32_t key_info = 0;  // AUTHOR_KEY_EN b0, MASK_CHIP_KEY b1, SIGNING_KEY b4:2
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  TcbVersion reported_tcb;
  uint8_t cpuid_fam_id = 0;  // v3+
  uint8_t cpuid_mod_id = 0;  // v3+
  uint8_t cpuid_step = 0;    // v3+
  std::array<uint8_t, 64> chip_id{};
  TcbVersion committed_tcb;
  uint8_t current_build = 0;
  uint8_t current_minor = 0;
  uint8_t current_major = 0;
  uint8_t committed_build = 0;
  uint8_t committed_minor = 0;
  uint8_t committed_major = 0;
  TcbVersion launch_tcb;
  uint64_t launch_mit_vector = 0;   // v5
  uint64_t current_mit_vector = 0;  // v5
  std::array<uint8_t, kSignatureComponentSize> signature_r{};
  std::array<uint8_t, kSignatureComponentSize> signature_s{};

  bool author_key_en() const { return key_info & 1; }
  bool mask_chip_key() const { return (key_info >> 1) & 1; }
  uint32_t signing_key() const { return (key_info >> 2) & 7; }
  void set_key_info(bool author_key_en, bool mask_chip_key, SigningKey key);

  // Decoded POLICY; Malformed on reserved-bit violations.
  Result<GuestPolicy> Policy() const { return GuestPolicy::FromRaw(policy); }
  PlatformInfo Platform() const { return PlatformInfo::FromRaw(platform_info); }
  // The product from CPUID (v3+); kUnknown for v2 (take it from the VCEK productName then).
  Product ProductFromReport() const;
  // The CHIP_ID bytes a VCEK hwID is compared with: all 64, or the first 8 on Turin.
  ByteView ChipIdForProduct(Product product) const;

  bool operator==(const SnpReport&) const = default;
};

// One field of the layout, for messages and tests (truncation at every boundary).
struct FieldSpan {
  std::string_view name;
  size_t offset;
  size_t size;
};
// The fields in offset order (version-independent superset: v3 CPUID and v5 MIT vector included).
std::span<const FieldSpan> ReportFields();
// The name of the field containing `offset` (or "end of report").
std::string_view FieldAt(size_t offset);

// Parses exactly kReportSize bytes. Checks the version (2, 3, 4 read as 3, 5), KEY_INFO bits 31:5,
// POLICY reserved bits, and that reserved ranges are zero (0x4C, 0x188/0x18B..0x1A0, 0x1EB, 0x1EF,
// 0x1F8/0x208..0x2A0, signature 0x330..0x4A0). Errors name field, offset, expected and found.
Result<SnpReport> ParseSnpReport(ByteView data);
// The 1184 bytes of `report` (reserved ranges zero). Writes what it is given (CPUID bytes of a v2
// report too) so tests can build malformed reports; ParseSnpReport is the judge.
Bytes SerializeSnpReport(const SnpReport& report);

}  // namespace skr::snp

#endif  // SKR_SNP_ABI_H_
