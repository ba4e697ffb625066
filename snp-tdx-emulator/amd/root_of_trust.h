// An emulated AMD root of trust for one product line (Milan, Genoa, Turin): ARK, ASK and ASVK
// (RSA-4096, RSASSA-PSS SHA-384) with AMD's real certificate profile, and VCEKs (ECDSA P-384) per
// chip id and reported TCB (VLEKs per cloud provider and TCB) with the AMD extensions
// (evidence-formats.md 1.6). Every key comes from crypto::Drbg(seed, "amd/<line>/...") so one seed
// reproduces the whole PKI byte for byte. Like go-sev-guest's testing.AmdSignerBuilder plus its
// fake KDS, for the emulator.
#ifndef SKR_EMULATOR_AMD_ROOT_OF_TRUST_H_
#define SKR_EMULATOR_AMD_ROOT_OF_TRUST_H_

#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/snp/abi.h"
#include "libskr/snp/verify.h"
#include "libskr/x509/builder.h"
#include "libskr/x509/certificate.h"

namespace skr::emulator::amd {

// 2025-01-01T00:00:00Z: the default notBefore of emulated VCEKs (valid 7 years, as AMD's).
inline constexpr std::time_t kDefaultVcekNotBefore = 1735689600;

// A VCEK (or VLEK) and its private key, as the AMD-SP derives it for one chip (or cloud
// provider) and TCB.
struct Vcek {
  x509::Certificate cert;
  crypto::PrivateKey key;
  snp::Product product;
  Bytes chip_id;                      // VCEK: 64 bytes (Turin: 8 significant, the rest zero)
  snp::TcbVersion tcb;                // the REPORTED_TCB it is valid for
  std::optional<std::string> csp_id;  // set for a VLEK
};

class AmdRootOfTrust {
 public:
  // ARK, ASK and ASVK for `product` (not kUnknown) from `seed`. Deriving three RSA-4096 keys takes
  // a moment; create once and share.
  static Result<AmdRootOfTrust> Create(ByteView seed, snp::Product product);

  snp::Product product() const { return product_; }
  const x509::Certificate& ark() const { return ark_; }
  const x509::Certificate& ask() const { return ask_; }
  // The ASVK (CN SEV-VLEK-<line>), which signs VLEKs. Derived on first use (one more RSA-4096
  // key), so roots that only issue VCEKs stay cheap.
  Result<x509::Certificate> asvk() const;

  // The VCEK for this chip and reported TCB: subject CN SEV-VCEK, issuer SEV-<line>, serial 0,
  // 7 years from `not_before`, AMD extensions in AMD's order (structVersion, productName, SPLs,
  // hwID raw). Same (seed, chip_id, tcb) -> same key; the certificate also depends on not_before.
  // chip_id: 64 bytes; for Turin only the first 8 may be non-zero.
  Result<Vcek> IssueVcek(ByteView chip_id, snp::TcbVersion reported_tcb,
                         std::time_t not_before = kDefaultVcekNotBefore) const;

  // A VLEK for a cloud provider (cspID, e.g. "CN=cc-us-east-2.amazonaws.com") and TCB, signed by
  // the ASVK: subject CN SEV-VLEK, productName the bare line ("Milan"). The VLEK profile beyond
  // evidence-formats.md 1.6's table is UNCONFIRMED (no real VLEK sample is stored).
  Result<Vcek> IssueVlek(std::string_view csp_id, snp::TcbVersion reported_tcb,
                         std::time_t not_before = kDefaultVcekNotBefore) const;

  // ARK, ASK (ASVK for a VLEK) and this key's certificate as a libskr/snp chain.
  snp::CertificateChain Chain(const Vcek& vcek) const;
  // KDS ".../vcek/v1/<line>/cert_chain" form: ASK then ARK, PEM.
  std::string CertChainPem() const;
  // KDS ".../vlek/v1/<line>/cert_chain": ASVK then ARK.
  Result<std::string> VlekCertChainPem() const;
  // The Azure IMDS THIM response (skr-protocol.md 5.2, evidence-formats.md 1.6), members in
  // Azure's order: {"vcekCert", "tcbm", "certificateChain", "cacheControl"}.
  std::string ThimJson(const Vcek& vcek, std::string_view cache_control = "86400") const;

 private:
  // Lazily derived ASVK, shared by copies of this root (same seed, same ASVK).
  struct AsvkState {
    std::once_flag once;
    std::optional<crypto::PrivateKey> key;
    std::optional<x509::Certificate> cert;
    std::optional<Error> error;
  };

  AmdRootOfTrust(Bytes seed, snp::Product product, crypto::PrivateKey ark_key,
                 crypto::PrivateKey ask_key, x509::Certificate ark, x509::Certificate ask)
      : seed_(std::move(seed)),
        product_(product),
        ark_key_(std::move(ark_key)),
        ask_key_(std::move(ask_key)),
        ark_(std::move(ark)),
        ask_(std::move(ask)),
        asvk_(std::make_shared<AsvkState>()) {}

  Result<void> EnsureAsvk() const;
  Result<x509::Certificate> IssueLeaf(const crypto::PrivateKey& key, snp::TcbVersion tcb,
                                      std::time_t not_before, bool vlek,
                                      x509::Extension identity) const;

  Bytes seed_;
  snp::Product product_;
  crypto::PrivateKey ark_key_;
  crypto::PrivateKey ask_key_;
  x509::Certificate ark_;
  x509::Certificate ask_;
  std::shared_ptr<AsvkState> asvk_;
};

// The AMD product name a VCEK carries: "Milan-B0", "Genoa", "Turin".
std::string_view VcekProductName(snp::Product product);

}  // namespace skr::emulator::amd

#endif  // SKR_EMULATOR_AMD_ROOT_OF_TRUST_H_
