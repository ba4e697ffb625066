// The AMD X.509 extensions of a VCEK (or VLEK) certificate (evidence-formats.md 1.6, OID arc
// 1.3.6.1.4.1.3704.1): struct version, product name, the TCB security patch levels the key is
// derived for, and the hwID (chip id) or cspID. go-sev-guest's kds package, parsing side.
#ifndef SKR_SNP_VCEK_H_
#define SKR_SNP_VCEK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/snp/abi.h"
#include "libskr/x509/certificate.h"

namespace skr::snp {

inline constexpr std::string_view kOidStructVersion = "1.3.6.1.4.1.3704.1.1";
inline constexpr std::string_view kOidProductName = "1.3.6.1.4.1.3704.1.2";
inline constexpr std::string_view kOidBlSpl = "1.3.6.1.4.1.3704.1.3.1";
inline constexpr std::string_view kOidTeeSpl = "1.3.6.1.4.1.3704.1.3.2";
inline constexpr std::string_view kOidSnpSpl = "1.3.6.1.4.1.3704.1.3.3";
inline constexpr std::string_view kOidSpl4 = "1.3.6.1.4.1.3704.1.3.4";
inline constexpr std::string_view kOidSpl5 = "1.3.6.1.4.1.3704.1.3.5";
inline constexpr std::string_view kOidSpl6 = "1.3.6.1.4.1.3704.1.3.6";
inline constexpr std::string_view kOidSpl7 = "1.3.6.1.4.1.3704.1.3.7";
inline constexpr std::string_view kOidUcodeSpl = "1.3.6.1.4.1.3704.1.3.8";
inline constexpr std::string_view kOidFmcSpl = "1.3.6.1.4.1.3704.1.3.9";
inline constexpr std::string_view kOidHwId = "1.3.6.1.4.1.3704.1.4";
inline constexpr std::string_view kOidCspId = "1.3.6.1.4.1.3704.1.5";

struct VcekExtensions {
  int64_t struct_version = 0;  // 0 Milan/Genoa, 1 Turin
  std::string product_name;    // as in the certificate, e.g. "Milan-B0"
  Product product = Product::kUnknown;
  // bl/tee/snp/ucode SPLs (required) and fmc (Turin; 0 when absent).
  TcbParts tcb;
  bool has_fmc_spl = false;
  std::optional<Bytes> hw_id;         // VCEK: 64 bytes (Milan/Genoa) or 8 (Turin)
  std::optional<std::string> csp_id;  // VLEK only

  // The TCB_VERSION these SPLs encode in this product's layout (what REPORTED_TCB must be).
  TcbVersion Tcb() const { return TcbVersion::FromParts(product, tcb); }
};

// Parses the AMD extensions. Required: productName (IA5String), blSPL, teeSPL, snpSPL, ucodeSPL
// (INTEGER 0..255); fmcSPL is required for Turin. hwID is accepted raw (real KDS certificates)
// or wrapped in a DER OCTET STRING (go-sev-guest fakes). Errors name the OID and what was found.
// Values are read with der::Reader (libskr/encoding/der.h); encode them with der::Integer etc.
Result<VcekExtensions> ParseVcekExtensions(const x509::Certificate& cert);

}  // namespace skr::snp

#endif  // SKR_SNP_VCEK_H_
