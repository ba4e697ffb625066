// AMD certificates as Azure delivers them to a CVM: the IMDS THIM response
// (GET http://169.254.169.254/metadata/THIM/amd/certification; skr-protocol.md 5.2,
// evidence-formats.md 1.6), and the AMD KDS VCEK URL for the same (chip, TCB).
#ifndef SKR_SNP_THIM_H_
#define SKR_SNP_THIM_H_

#include <string>
#include <string_view>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/snp/abi.h"
#include "libskr/snp/verify.h"
#include "libskr/x509/certificate.h"

namespace skr::snp {

struct ThimCertification {
  x509::Certificate vcek;
  std::vector<x509::Certificate> chain;  // "certificateChain": ASK then ARK
  std::string tcbm;                      // 16 hex digits, the VCEK's TCB as a u64
  std::string cache_control;             // "86400" in the real sample

  // vcek + chain as a CertificateChain (ChainFromBundle).
  Result<CertificateChain> Chain() const { return ChainFromBundle(vcek, chain); }
};

// Parses the THIM JSON. vcekCert and certificateChain are required and must be non-empty PEM
// (Azure's C++ client fails with ERROR_EMPTY_VCEK_CERT otherwise); tcbm, when present, must be 16
// hex digits; cacheControl is optional. Errors name the member.
Result<ThimCertification> ParseThimJson(std::string_view json);
// The JSON with Azure's member order {"vcekCert", "tcbm", "certificateChain", "cacheControl"}.
std::string SerializeThimJson(const ThimCertification& thim);

// https://kdsintf.amd.com/vcek/v1/{Milan|Genoa|Turin}/{hex chip id}?blSPL=NN&teeSPL=NN&snpSPL=NN
// &ucodeSPL=NN (Turin: fmcSPL=NN first, hex of CHIP_ID[0..8]); SPLs zero-padded decimal, 2 digits
// (evidence-formats.md 1.6, trustee and go-sev-guest kds).
std::string KdsVcekUrl(Product product, ByteView chip_id, TcbVersion reported_tcb);

}  // namespace skr::snp

#endif  // SKR_SNP_THIM_H_
