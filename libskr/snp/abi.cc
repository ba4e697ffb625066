#include "libskr/snp/abi.h"

#include <algorithm>
#include <cstdio>

namespace skr::snp {
namespace {

constexpr std::string_view kStructure = "SNP report";

// evidence-formats.md 1.1.
constexpr FieldSpan kFields[] = {
    {"VERSION", 0x000, 4},
    {"GUEST_SVN", 0x004, 4},
    {"POLICY", 0x008, 8},
    {"FAMILY_ID", 0x010, 16},
    {"IMAGE_ID", 0x020, 16},
    {"VMPL", 0x030, 4},
    {"SIGNATURE_ALGO", 0x034, 4},
    {"CURRENT_TCB", 0x038, 8},
    {"PLATFORM_INFO", 0x040, 8},
    {"KEY_INFO", 0x048, 4},
    {"reserved (0x4C)", 0x04C, 4},
    {"REPORT_DATA", 0x050, 64},
    {"MEASUREMENT", 0x090, 48},
    {"HOST_DATA", 0x0C0, 32},
    {"ID_KEY_DIGEST", 0x0E0, 48},
    {"AUTHOR_KEY_DIGEST", 0x110, 48},
    {"REPORT_ID", 0x140, 32},
    {"REPORT_ID_MA", 0x160, 32},
    {"REPORTED_TCB", 0x180, 8},
    {"CPUID_FAM_ID", 0x188, 1},
    {"CPUID_MOD_ID", 0x189, 1},
    {"CPUID_STEP", 0x18A, 1},
    {"reserved (0x18B)", 0x18B, 21},
    {"CHIP_ID", 0x1A0, 64},
    {"COMMITTED_TCB", 0x1E0, 8},
    {"CURRENT_BUILD", 0x1E8, 1},
    {"CURRENT_MINOR", 0x1E9, 1},
    {"CURRENT_MAJOR", 0x1EA, 1},
    {"reserved (0x1EB)", 0x1EB, 1},
    {"COMMITTED_BUILD", 0x1EC, 1},
    {"COMMITTED_MINOR", 0x1ED, 1},
    {"COMMITTED_MAJOR", 0x1EE, 1},
    {"reserved (0x1EF)", 0x1EF, 1},
    {"LAUNCH_TCB", 0x1F0, 8},
    {"LAUNCH_MIT_VECTOR", 0x1F8, 8},
    {"CURRENT_MIT_VECTOR", 0x200, 8},
    {"reserved (0x208)", 0x208, 0x98},
    {"SIGNATURE.R", 0x2A0, 72},
    {"SIGNATURE.S", 0x2E8, 72},
    {"SIGNATURE reserved", 0x330, 0x170},
};

template <size_t N>
void CopyTo(std::array<uint8_t, N>& out, ByteView in) {
  std::copy(in.begin(), in.begin() + N, out.begin());
}

uint8_t Byte(uint64_t v, int i) { return static_cast<uint8_t>(v >> (8 * i)); }

std::string Hex2(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string_view ProductName(Product p) {
  switch (p) {
    case Product::kMilan:
      return "Milan";
    case Product::kGenoa:
      return "Genoa";
    case Product::kTurin:
      return "Turin";
    case Product::kUnknown:
      break;
  }
  return "unknown";
}

Result<Product> ProductFromName(std::string_view name) {
  std::string_view line = name.substr(0, name.find('-'));
  if (line == "Milan") return Product::kMilan;
  if (line == "Genoa") return Product::kGenoa;
  if (line == "Turin") return Product::kTurin;
  return Unsupported("AMD product name \"" + std::string(name) +
                     "\" is not Milan, Genoa or Turin (evidence-formats.md 1.2)");
}

Product ProductFromCpuid(uint8_t family, uint8_t model) {
  if (family == 0x19) {
    if (model <= 0x0F) return Product::kMilan;
    if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) {
      return Product::kGenoa;
    }
  }
  if (family == 0x1A && model <= 0x11) return Product::kTurin;
  return Product::kUnknown;
}

bool UsesTurinTcbLayout(Product p) { return p == Product::kTurin; }

TcbVersion TcbVersion::FromParts(Product product, const TcbParts& p) {
  uint64_t v;
  if (UsesTurinTcbLayout(product)) {
    v = uint64_t{p.fmc} | uint64_t{p.bootloader} << 8 | uint64_t{p.tee} << 16 |
        uint64_t{p.snp} << 24 | uint64_t{p.microcode} << 56;
  } else {
    v = uint64_t{p.bootloader} | uint64_t{p.tee} << 8 | uint64_t{p.snp} << 48 |
        uint64_t{p.microcode} << 56;
  }
  return TcbVersion{v};
}

TcbParts TcbVersion::Parts(Product product) const {
  TcbParts p;
  if (UsesTurinTcbLayout(product)) {
    p.fmc = Byte(raw, 0);
    p.bootloader = Byte(raw, 1);
    p.tee = Byte(raw, 2);
    p.snp = Byte(raw, 3);
  } else {
    p.bootloader = Byte(raw, 0);
    p.tee = Byte(raw, 1);
    p.snp = Byte(raw, 6);
  }
  p.microcode = Byte(raw, 7);
  return p;
}

bool TcbVersion::HasReservedBits(Product product) const {
  uint64_t mask = UsesTurinTcbLayout(product) ? 0x00FFFFFF00000000ull : 0x0000FFFFFFFF0000ull;
  return (raw & mask) != 0;
}

std::string TcbVersion::Tcbm() const {
  char buf[20];
  std::snprintf(buf, sizeof(buf), "%016llX", static_cast<unsigned long long>(raw));
  return buf;
}

std::string TcbPartsToString(const TcbParts& p) {
  return "bl=" + std::to_string(p.bootloader) + " tee=" + std::to_string(p.tee) +
         " snp=" + std::to_string(p.snp) + " ucode=" + std::to_string(p.microcode) +
         " fmc=" + std::to_string(p.fmc);
}

uint64_t GuestPolicy::ToRaw() const {
  uint64_t v = uint64_t{abi_minor} | uint64_t{abi_major} << 8 | kPolicyReservedMustBeOne;
  if (smt) v |= 1ull << 16;
  if (migrate_ma) v |= 1ull << 18;
  if (debug) v |= 1ull << 19;
  if (single_socket) v |= 1ull << 20;
  if (cxl_allow) v |= 1ull << 21;
  if (mem_aes_256_xts) v |= 1ull << 22;
  if (rapl_dis) v |= 1ull << 23;
  if (ciphertext_hiding_dram) v |= 1ull << 24;
  if (page_swap_disable) v |= 1ull << 25;
  return v;
}

Result<GuestPolicy> GuestPolicy::FromRaw(uint64_t raw) {
  if (!(raw & kPolicyReservedMustBeOne)) {
    return Malformed("SNP report: field POLICY at 0x8: reserved bit 17 must be 1, policy is " +
                     Hex2(raw) + " (evidence-formats.md 1.3)");
  }
  if (raw >> 26) {
    return Malformed("SNP report: field POLICY at 0x8: bits 63:26 must be zero, policy is " +
                     Hex2(raw) + " (evidence-formats.md 1.3)");
  }
  GuestPolicy p;
  p.abi_minor = Byte(raw, 0);
  p.abi_major = Byte(raw, 1);
  p.smt = (raw >> 16) & 1;
  p.migrate_ma = (raw >> 18) & 1;
  p.debug = (raw >> 19) & 1;
  p.single_socket = (raw >> 20) & 1;
  p.cxl_allow = (raw >> 21) & 1;
  p.mem_aes_256_xts = (raw >> 22) & 1;
  p.rapl_dis = (raw >> 23) & 1;
  p.ciphertext_hiding_dram = (raw >> 24) & 1;
  p.page_swap_disable = (raw >> 25) & 1;
  return p;
}

uint64_t PlatformInfo::ToRaw() const {
  return uint64_t{smt_en} | uint64_t{tsme_en} << 1 | uint64_t{ecc_en} << 2 |
         uint64_t{rapl_dis} << 3 | uint64_t{ciphertext_hiding_dram_en} << 4 |
         uint64_t{alias_check_complete} << 5 | uint64_t{tio_en} << 7;
}

PlatformInfo PlatformInfo::FromRaw(uint64_t raw) {
  PlatformInfo p;
  p.smt_en = raw & 1;
  p.tsme_en = (raw >> 1) & 1;
  p.ecc_en = (raw >> 2) & 1;
  p.rapl_dis = (raw >> 3) & 1;
  p.ciphertext_hiding_dram_en = (raw >> 4) & 1;
  p.alias_check_complete = (raw >> 5) & 1;
  p.tio_en = (raw >> 7) & 1;
  return p;
}

void SnpReport::set_key_info(bool author_key, bool mask_chip, SigningKey key) {
  key_info = uint32_t{author_key} | uint32_t{mask_chip} << 1 | static_cast<uint32_t>(key) << 2;
}

Product SnpReport::ProductFromReport() const {
  if (version < 3) return Product::kUnknown;
  return ProductFromCpuid(cpuid_fam_id, cpuid_mod_id);
}

ByteView SnpReport::ChipIdForProduct(Product product) const {
  return ByteView(chip_id.data(), UsesTurinTcbLayout(product) ? 8 : chip_id.size());
}

std::span<const FieldSpan> ReportFields() { return kFields; }

std::string_view FieldAt(size_t offset) {
  for (const auto& f : kFields) {
    if (offset >= f.offset && offset < f.offset + f.size) return f.name;
  }
  return "end of report";
}

Result<SnpReport> ParseSnpReport(ByteView data) {
  if (data.size() != kReportSize) {
    std::string where = data.size() < kReportSize
                            ? "; the input ends at the start of or inside field " +
                                  std::string(FieldAt(data.size()))
                            : "; " + std::to_string(data.size() - kReportSize) + " trailing bytes";
    return Malformed("SNP report: size is " + std::to_string(data.size()) + " (" +
                     HexOffset(data.size()) + ") bytes, expected exactly 1184 (0x4a0)" + where +
                     " (evidence-formats.md 1.1)");
  }
  ByteReader r(data, std::string(kStructure));
  SnpReport rep;
  SKR_ASSIGN_OR_RETURN(rep.version, r.U32Le(0x000, "VERSION"));
  if (rep.version < 2 || rep.version > 5) {
    return Error(ErrorCode::kUnsupported,
                 "SNP report: field VERSION at 0x0: expected 2, 3, 4 or 5, found " +
                     std::to_string(rep.version) + " (evidence-formats.md 1.1)");
  }
  const bool v3 = rep.version >= 3;
  const bool v5 = rep.version >= 5;
  SKR_ASSIGN_OR_RETURN(rep.guest_svn, r.U32Le(0x004, "GUEST_SVN"));
  SKR_ASSIGN_OR_RETURN(rep.policy, r.U64Le(0x008, "POLICY"));
  {
    auto pol = GuestPolicy::FromRaw(rep.policy);
    if (!pol.ok()) return pol.error();
  }
  auto slice = [&](size_t off, size_t len) { return data.subspan(off, len); };
  CopyTo(rep.family_id, slice(0x010, 16));
  CopyTo(rep.image_id, slice(0x020, 16));
  SKR_ASSIGN_OR_RETURN(rep.vmpl, r.U32Le(0x030, "VMPL"));
  SKR_ASSIGN_OR_RETURN(rep.signature_algo, r.U32Le(0x034, "SIGNATURE_ALGO"));
  SKR_ASSIGN_OR_RETURN(rep.current_tcb.raw, r.U64Le(0x038, "CURRENT_TCB"));
  SKR_ASSIGN_OR_RETURN(rep.platform_info, r.U64Le(0x040, "PLATFORM_INFO"));
  SKR_ASSIGN_OR_RETURN(rep.key_info, r.U32Le(0x048, "KEY_INFO"));
  if (rep.key_info >> 5) {
    return r.MalformedAt(
        0x48, "KEY_INFO",
        "bits 31:5 must be zero, found " + Hex2(rep.key_info) + " (evidence-formats.md 1.1)");
  }
  CopyTo(rep.report_data, slice(0x050, 64));
  CopyTo(rep.measurement, slice(0x090, 48));
  CopyTo(rep.host_data, slice(0x0C0, 32));
  CopyTo(rep.id_key_digest, slice(0x0E0, 48));
  CopyTo(rep.author_key_digest, slice(0x110, 48));
  CopyTo(rep.report_id, slice(0x140, 32));
  CopyTo(rep.report_id_ma, slice(0x160, 32));
  SKR_ASSIGN_OR_RETURN(rep.reported_tcb.raw, r.U64Le(0x180, "REPORTED_TCB"));
  if (v3) {
    rep.cpuid_fam_id = data[0x188];
    rep.cpuid_mod_id = data[0x189];
    rep.cpuid_step = data[0x18A];
  }
  CopyTo(rep.chip_id, slice(0x1A0, 64));
  SKR_ASSIGN_OR_RETURN(rep.committed_tcb.raw, r.U64Le(0x1E0, "COMMITTED_TCB"));
  rep.current_build = data[0x1E8];
  rep.current_minor = data[0x1E9];
  rep.current_major = data[0x1EA];
  rep.committed_build = data[0x1EC];
  rep.committed_minor = data[0x1ED];
  rep.committed_major = data[0x1EE];
  SKR_ASSIGN_OR_RETURN(rep.launch_tcb.raw, r.U64Le(0x1F0, "LAUNCH_TCB"));
  if (v5) {
    SKR_ASSIGN_OR_RETURN(rep.launch_mit_vector, r.U64Le(0x1F8, "LAUNCH_MIT_VECTOR"));
    SKR_ASSIGN_OR_RETURN(rep.current_mit_vector, r.U64Le(0x200, "CURRENT_MIT_VECTOR"));
  }
  CopyTo(rep.signature_r, slice(0x2A0, 72));
  CopyTo(rep.signature_s, slice(0x2E8, 72));

  // Reserved ranges that must be zero for this version (evidence-formats.md 1.1).
  struct Range {
    size_t begin, end;
    std::string_view name;
  };
  const Range reserved[] = {
      {0x04C, 0x050, "reserved (0x4C)"},
      {v3 ? size_t{0x18B} : size_t{0x188}, 0x1A0,
       v3 ? "reserved (0x18B)" : "reserved (0x188, CPUID bytes are reserved in v2)"},
      {0x1EB, 0x1EC, "reserved (0x1EB)"},
      {0x1EF, 0x1F0, "reserved (0x1EF)"},
      {v5 ? size_t{0x208} : size_t{0x1F8}, 0x2A0,
       v5 ? "reserved (0x208)" : "reserved (0x1F8, MIT vectors are reserved before v5)"},
      {0x330, 0x4A0, "SIGNATURE reserved"},
  };
  for (const auto& range : reserved) {
    for (size_t i = range.begin; i < range.end; ++i) {
      if (data[i] != 0) {
        return r.MalformedAt(range.begin, range.name,
                             "must be zero, found byte " + Hex2(data[i]) + " at " + HexOffset(i) +
                                 " (report version " + std::to_string(rep.version) +
                                 ", evidence-formats.md 1.1)");
      }
    }
  }
  return rep;
}

Bytes SerializeSnpReport(const SnpReport& rep) {
  ByteWriter w(kReportSize);
  w.PutU32Le(0x000, rep.version);
  w.PutU32Le(0x004, rep.guest_svn);
  w.PutU64Le(0x008, rep.policy);
  w.Put(0x010, rep.family_id);
  w.Put(0x020, rep.image_id);
  w.PutU32Le(0x030, rep.vmpl);
  w.PutU32Le(0x034, rep.signature_algo);
  w.PutU64Le(0x038, rep.current_tcb.raw);
  w.PutU64Le(0x040, rep.platform_info);
  w.PutU32Le(0x048, rep.key_info);
  w.Put(0x050, rep.report_data);
  w.Put(0x090, rep.measurement);
  w.Put(0x0C0, rep.host_data);
  w.Put(0x0E0, rep.id_key_digest);
  w.Put(0x110, rep.author_key_digest);
  w.Put(0x140, rep.report_id);
  w.Put(0x160, rep.report_id_ma);
  w.PutU64Le(0x180, rep.reported_tcb.raw);
  Bytes& b = w.bytes();
  b[0x188] = rep.cpuid_fam_id;
  b[0x189] = rep.cpuid_mod_id;
  b[0x18A] = rep.cpuid_step;
  w.Put(0x1A0, rep.chip_id);
  w.PutU64Le(0x1E0, rep.committed_tcb.raw);
  b[0x1E8] = rep.current_build;
  b[0x1E9] = rep.current_minor;
  b[0x1EA] = rep.current_major;
  b[0x1EC] = rep.committed_build;
  b[0x1ED] = rep.committed_minor;
  b[0x1EE] = rep.committed_major;
  w.PutU64Le(0x1F0, rep.launch_tcb.raw);
  w.PutU64Le(0x1F8, rep.launch_mit_vector);
  w.PutU64Le(0x200, rep.current_mit_vector);
  w.Put(0x2A0, rep.signature_r);
  w.Put(0x2E8, rep.signature_s);
  return std::move(w).Take();
}

}  // namespace skr::snp
