// The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1, evidence-formats.md
// 3.5): a SEQUENCE of (OID, value) pairs giving the PPID, the TCB level the certificate was issued
// for, the PCE-ID, the FMSPC (which selects the TCB Info collateral) and the SGX type.
#ifndef SKR_TDX_PCK_H_
#define SKR_TDX_PCK_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/tdx/abi.h"
#include "libskr/x509/certificate.h"

namespace skr::tdx {

inline constexpr std::string_view kSgxExtensionOid = "1.2.840.113741.1.13.1";

enum class SgxType : uint8_t { kStandard = 0, kScalable = 1, kScalableWithIntegrity = 2 };

struct PckTcb {
  TcbSvn sgx_tcb_comp_svn{};  // .2.1 .. .2.16
  uint16_t pce_svn = 0;       // .2.17
  TcbSvn cpu_svn{};           // .2.18
};

// .7, only in certificates issued by the PCK Platform CA.
struct PckConfiguration {
  bool dynamic_platform = false;  // .7.1
  bool cached_keys = false;       // .7.2
  bool smt_enabled = false;       // .7.3
};

struct PckExtensions {
  Array<16> ppid{};                       // .1
  PckTcb tcb;                             // .2
  Array<2> pce_id{};                      // .3
  Array<6> fmspc{};                       // .4
  SgxType sgx_type = SgxType::kStandard;  // .5 (ENUMERATED)
  // Platform CA-issued certificates (Azure's) also carry these.
  std::optional<Array<16>> platform_instance_id;  // .6
  std::optional<PckConfiguration> configuration;  // .7
};

// Parses the extension's contents (the DER inside extnValue). .1-.5 are required, .6/.7 optional,
// unknown sub-OIDs are skipped.
Result<PckExtensions> ParsePckExtensionsDer(ByteView der);
// The DER the extension's extnValue holds, in Intel's order (.1 .. .5, then .6/.7 when set),
// for the emulator's PCK certificates.
Result<Bytes> SerializePckExtensionsDer(const PckExtensions& ext);
// Finds the extension in `pck_leaf` and parses it.
Result<PckExtensions> ParsePckExtensions(const x509::Certificate& pck_leaf);

}  // namespace skr::tdx

#endif  // SKR_TDX_PCK_H_
