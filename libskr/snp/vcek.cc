#include "libskr/snp/vcek.h"

#include <openssl/asn1.h>

#include <memory>

#include "libskr/crypto/openssl_util.h"
#include "libskr/encoding/encoding.h"

namespace skr::snp {
namespace {

using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, crypto::OsslDeleter<ASN1_INTEGER_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, crypto::OsslDeleter<ASN1_STRING_free>>;

std::string Preview(ByteView b) {
  return encoding::HexEncode(b.subspan(0, std::min<size_t>(b.size(), 16))) +
         (b.size() > 16 ? "..." : "");
}

Result<uint8_t> Spl(const x509::Certificate& cert, std::string_view oid, std::string_view name) {
  auto v = cert.ExtensionValue(oid);
  if (!v) {
    return Malformed("VCEK: extension " + std::string(name) + " (" + std::string(oid) +
                     ") is missing (evidence-formats.md 1.6)");
  }
  SKR_ASSIGN_OR_RETURN(int64_t n, DecodeDerInteger(*v, name));
  if (n < 0 || n > 255) {
    return Malformed("VCEK: extension " + std::string(name) + " (" + std::string(oid) +
                     ") must be 0..255, found " + std::to_string(n));
  }
  return static_cast<uint8_t>(n);
}

}  // namespace

Result<int64_t> DecodeDerInteger(ByteView der, std::string_view what) {
  const unsigned char* p = der.data();
  Asn1IntegerPtr i(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(der.size())));
  if (!i || p != der.data() + der.size()) {
    crypto::DrainOpenSslErrors();
    return Malformed(std::string(what) + ": expected a DER INTEGER, found " + Preview(der));
  }
  int64_t v = 0;
  if (ASN1_INTEGER_get_int64(&v, i.get()) != 1) {
    crypto::DrainOpenSslErrors();
    return Malformed(std::string(what) + ": INTEGER does not fit 64 bits: " + Preview(der));
  }
  return v;
}

Result<std::string> DecodeDerIa5String(ByteView der, std::string_view what) {
  const unsigned char* p = der.data();
  Asn1StringPtr s(d2i_ASN1_IA5STRING(nullptr, &p, static_cast<long>(der.size())));
  if (!s || p != der.data() + der.size()) {
    crypto::DrainOpenSslErrors();
    return Malformed(std::string(what) + ": expected a DER IA5String, found " + Preview(der));
  }
  const unsigned char* d = ASN1_STRING_get0_data(s.get());
  return std::string(d, d + ASN1_STRING_length(s.get()));
}

Bytes EncodeDerInteger(int64_t v) {
  Asn1IntegerPtr i(ASN1_INTEGER_new());
  ASN1_INTEGER_set_int64(i.get(), v);
  unsigned char* out = nullptr;
  int len = i2d_ASN1_INTEGER(i.get(), &out);
  Bytes b(out, out + len);
  OPENSSL_free(out);
  return b;
}

Bytes EncodeDerIa5String(std::string_view s) {
  Asn1StringPtr a(ASN1_IA5STRING_new());
  ASN1_STRING_set(a.get(), s.data(), static_cast<int>(s.size()));
  unsigned char* out = nullptr;
  int len = i2d_ASN1_IA5STRING(a.get(), &out);
  Bytes b(out, out + len);
  OPENSSL_free(out);
  return b;
}

Result<VcekExtensions> ParseVcekExtensions(const x509::Certificate& cert) {
  VcekExtensions ext;
  auto sv = cert.ExtensionValue(kOidStructVersion);
  if (sv) {
    SKR_ASSIGN_OR_RETURN(ext.struct_version, DecodeDerInteger(*sv, "VCEK structVersion"));
  }
  auto pn = cert.ExtensionValue(kOidProductName);
  if (!pn) {
    return Malformed("VCEK: extension productName (" + std::string(kOidProductName) +
                     ") is missing; certificate " + cert.subject() +
                     " is not an AMD VCEK/VLEK (evidence-formats.md 1.6)");
  }
  SKR_ASSIGN_OR_RETURN(ext.product_name, DecodeDerIa5String(*pn, "VCEK productName"));
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
    const size_t n = hw->size();
    if (n != 64 && n != 8 && n >= 2 && (*hw)[0] == 0x04 && (*hw)[1] == n - 2) {
      ext.hw_id = Bytes(hw->begin() + 2, hw->end());
    } else {
      ext.hw_id = *hw;
    }
    const size_t want = UsesTurinTcbLayout(ext.product) ? 8 : 64;
    if (ext.hw_id->size() != want) {
      return Malformed("VCEK: extension hwID (" + std::string(kOidHwId) + ") has " +
                       std::to_string(ext.hw_id->size()) + " bytes, expected " +
                       std::to_string(want) + " for " + std::string(ProductName(ext.product)));
    }
  }
  if (auto csp = cert.ExtensionValue(kOidCspId)) {
    SKR_ASSIGN_OR_RETURN(ext.csp_id, DecodeDerIa5String(*csp, "VLEK cspID"));
  }
  if (!ext.hw_id && !ext.csp_id) {
    return Malformed("VCEK: neither hwID (" + std::string(kOidHwId) + ") nor cspID (" +
                     std::string(kOidCspId) + ") is present (evidence-formats.md 1.6)");
  }
  return ext;
}

}  // namespace skr::snp
