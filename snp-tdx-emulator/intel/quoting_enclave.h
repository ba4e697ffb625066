// Emulated TD Quoting Enclave: an ECDSA P-256 attestation key vouched for by a QE report signed
// with the PCK key (QE REPORTDATA = SHA-256(attestation key || QE auth data) || 0^32), and TD
// Quote v4 generation from a TDREPORT as Azure IMDS /acc/tdquote returns it (evidence-formats.md
// 2.6, 3.2-3.4). Quote and QE report signatures are deterministic (RFC 6979).
#ifndef SKR_EMULATOR_INTEL_QUOTING_ENCLAVE_H_
#define SKR_EMULATOR_INTEL_QUOTING_ENCLAVE_H_

#include <functional>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/tdx/abi.h"
#include "snp-tdx-emulator/intel/pki.h"

namespace skr::emulator::intel {

// The QE's identity and quote framing. Defaults are those of the real Azure quote in
// evidence-samples/trustee/az-tdx-vtpm (Intel's TD QE: MRSIGNER dc9e2a7c..., ISVPRODID 2).
struct QeIdentity {
  tdx::TcbSvn cpu_svn = {0x06, 0x06, 0x13, 0x15, 0x03, 0xff, 0x00, 0x03};
  uint32_t misc_select = 0;
  tdx::Array<16> attributes = {0x15, 0, 0, 0, 0, 0, 0, 0, 0xe7, 0, 0, 0, 0, 0, 0, 0};
  tdx::Array<32> mr_enclave = {0x86, 0xfc, 0x4e, 0x0e, 0xc2, 0xc5, 0xdd, 0xce, 0xba, 0xc9, 0x70,
                               0x62, 0xc0, 0xa0, 0x14, 0x2a, 0x97, 0xc1, 0x8a, 0x7a, 0x75, 0x51,
                               0x47, 0xbc, 0xbc, 0x3f, 0xe1, 0x7d, 0x65, 0x29, 0x78, 0x1d};
  tdx::Array<32> mr_signer = {0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34,
                              0xa7, 0xfc, 0x43, 0xed, 0x03, 0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba,
                              0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5};
  uint16_t isv_prod_id = 2;
  uint16_t isv_svn = 5;
  Bytes auth_data = CountingAuthData();  // 00 01 .. 1f, as DCAP (and Azure) sends
  // Azure returns v4 quotes; 5 frames the body with its type (evidence-formats.md 3.3).
  uint16_t quote_version = 4;
  uint16_t body_type = tdx::kBodyTypeTdx10;  // v5 only: 2 (TDX 1.0) or 3 (TDX 1.5)
  // Azure IMDS appends 70 zero bytes after the signature data (evidence-formats.md 2.6).
  size_t trailing_zeros = 70;

  static Bytes CountingAuthData();
};

// Checks a TDREPORT before quoting (the real QE verifies its MAC with EVERIFYREPORT2);
// EmulatedTdxPlatform wires in TdxModule::VerifyReportMac. Unset: no check.
using TdReportChecker = std::function<Result<void>(const tdx::TdReport&)>;

class QuotingEnclave {
 public:
  // Attestation key from Drbg(seed, "intel/qe/attestation-key"); the 16-byte QE/platform id in
  // the header's user data from Drbg(seed, "intel/qe/user-data").
  static Result<QuotingEnclave> Create(ByteView seed, const IntelPki& pki, QeIdentity identity = {},
                                       TdReportChecker checker = nullptr);

  const crypto::PrivateKey& attestation_key() const { return attestation_key_; }
  // The signed QE report, auth data and PCK chain every quote carries.
  const tdx::QeReportCertificationData& certification_data() const { return cert_data_; }

  // The TD quote v4 of this TDREPORT (body = tdx::QuoteBodyFromTdReport), signed.
  Result<tdx::TdQuote> QuoteReport(const tdx::TdReport& report) const;
  // "Quote this TDREPORT": 1024 bytes in, serialized quote out (with the trailing zeros).
  Result<Bytes> Quote(ByteView td_report) const;

 private:
  QuotingEnclave(crypto::PrivateKey key, tdx::Array<64> key_xy, tdx::QuoteHeader header,
                 uint16_t body_type, tdx::QeReportCertificationData cert, size_t trailing,
                 TdReportChecker checker)
      : attestation_key_(std::move(key)),
        attestation_key_xy_(key_xy),
        header_(header),
        body_type_(body_type),
        cert_data_(std::move(cert)),
        trailing_zeros_(trailing),
        checker_(std::move(checker)) {}

  crypto::PrivateKey attestation_key_;
  tdx::Array<64> attestation_key_xy_;
  tdx::QuoteHeader header_;
  uint16_t body_type_;
  tdx::QeReportCertificationData cert_data_;
  size_t trailing_zeros_;
  TdReportChecker checker_;
};

}  // namespace skr::emulator::intel

#endif  // SKR_EMULATOR_INTEL_QUOTING_ENCLAVE_H_
