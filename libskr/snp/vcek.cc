#include "libskr/snp/vcek.h"

#include "libskr/encoding/der.h"

namespace skr::snp {
namespace {

// An extension value that is exactly one DER INTEGER (non-negative) or IA5String.
Result<uint64_t> IntegerValue(ByteView v, std::string_view name) {
  der::Reader r(v, "VCEK extension " + std::string(name));
  SKR_ASSIGN_OR_RETURN(uint64_t n, r.ReadInteger(name));
  SKR_RETURN_IF_ERROR(r.ExpectDone(name));
  return n;
}

Result<std::string> Ia5Value(ByteView v, std::string_view name) {
  der::Reader r(v, "VCEK extension " + std::string(name));
  SKR_ASSIGN_OR_RETURN(std::string s, r.ReadIa5String(name));
  SKR_RETURN_IF_ERROR(r.ExpectDone(name));
  return s;
}

Result<uint8_t> Spl(const x509::Certificate& cert, std::string_view oid, std::string_view name) {
  auto v = cert.ExtensionValue(oid);
  if (!v) {
    return Malformed("VCEK: extension " + std::string(name) + " (" + std::string(oid) +
                     ") is missing (evidence-formats.md 1.6)");
  }
  SKR_ASSIGN_OR_RETURN(uint64_t n, IntegerValue(*v, name));
  if (n > 255) {
    return Malformed("VCEK: extension " + std::string(name) + " (" + std::string(oid) +
                     ") must be 0..255, found " + std::to_string(n));
  }
  return static_cast<uint8_t>(n);
}

}  // namespace

Result<VcekExtensions> ParseVcekExtensions(const x509::Certificate& cert) {
  VcekExtensions ext;
  auto sv = cert.ExtensionValue(kOidStructVersion);
  if (sv) {
    SKR_ASSIGN_OR_RETURN(uint64_t version, IntegerValue(*sv, "structVersion"));
    ext.struct_version = static_cast<int64_t>(version);
  }
  auto pn = cert.ExtensionValue(kOidProductName);
  if (!pn) {
    return Malformed("VCEK: extension productName (" + std::string(kOidProductName) +
                     ") is missing; certificate " + cert.subject() +
                     " is not an AMD VCEK/VLEK (evidence-formats.md 1.6)");
  }
  SKR_ASSIGN_OR_RETURN(ext.product_name, Ia5Value(*pn, "productName"));
  SKR_ASSIGN_OR_RETURN(ext.product, ProductFromName(ext.product_name));
  SKR_ASSIGN_OR_RETURN(ext.tcb.bootloader, Spl(cert, kOidBlSpl, "blSPL"));
  SKR_ASSIGN_OR_RETURN(ext.tcb.tee, Spl(cert, kOidTeeSpl, "teeSPL"));
  SKR_ASSIGN_OR_RETURN(ext.tcb.snp, Spl(cert, kOidSnpSpl, "snpSPL"));
  SKR_ASSIGN_OR_RETURN(ext.tcb.microcode, Spl(cert, kOidUcodeSpl, "ucodeSPL"));
  if (cert.ExtensionValue(kOidFmcSpl) || UsesTurinTcbLayout(ext.product)) {
    SKR_ASSIGN_OR_RETURN(ext.tcb.fmc, Spl(cert, kOidFmcSpl, "fmcSPL"));
    ext.has_fmc_spl = true;
  }
  if (auto hw = cert.ExtensionValue(kOidHwId)) {
    // Real KDS certificates carry the raw bytes; go-sev-guest fakes wrap them in an OCTET STRING
    // (evidence-formats.md 1.6 "Encoding pitfalls"). A raw 64- or 8-byte value is taken as is.
    ext.hw_id = *hw;
    if (hw->size() != 64 && hw->size() != 8) {
      der::Reader r(*hw, "VCEK extension hwID");
      auto inner = r.ReadOctetString("hwID");
      if (inner.ok() && r.done()) ext.hw_id = ToBytes(*inner);
    }
    const size_t want = UsesTurinTcbLayout(ext.product) ? 8 : 64;
    if (ext.hw_id->size() != want) {
      return Malformed("VCEK: extension hwID (" + std::string(kOidHwId) + ") has " +
                       std::to_string(ext.hw_id->size()) + " bytes, expected " +
                       std::to_string(want) + " for " + std::string(ProductName(ext.product)));
    }
  }
  if (auto csp = cert.ExtensionValue(kOidCspId)) {
    SKR_ASSIGN_OR_RETURN(ext.csp_id, Ia5Value(*csp, "cspID"));
  }
  if (!ext.hw_id && !ext.csp_id) {
    return Malformed("VCEK: neither hwID (" + std::string(kOidHwId) + ") nor cspID (" +
                     std::string(kOidCspId) + ") is present (evidence-formats.md 1.6)");
  }
  return ext;
}

}  // namespace skr::snp
