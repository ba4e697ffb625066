// Authenticity of an SNP attestation report (go-sev-guest's verify package): the AMD certificate
// chain ARK -> ASK -> VCEK against pinned ARKs, the VCEK <-> report binding (TCB SPLs and hwID)
// and the report's ECDSA P-384 signature (evidence-formats.md 1.5, 1.6). Policy (debug, TCB
// floors, measurements) is validate.h's job.
#ifndef SKR_SNP_VERIFY_H_
#define SKR_SNP_VERIFY_H_

#include <ctime>
#include <span>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/snp/abi.h"
#include "libskr/snp/vcek.h"
#include "libskr/x509/certificate.h"

namespace skr::snp {

// ark -> ask -> vcek. For a VLEK-signed report: ark -> ASVK (in `ask`) -> VLEK (in `vcek`).
struct CertificateChain {
  x509::Certificate ark;
  x509::Certificate ask;
  x509::Certificate vcek;
};

// Builds a chain from a VCEK (or VLEK) and an AMD bundle (KDS cert_chain / THIM certificateChain:
// ASK then ARK; extra certificates such as the ASVK in the trustee/go-sev-guest files are
// ignored). The bundle's ARK is the self-signed certificate whose subject CN starts with "ARK-";
// the intermediate is the ASK, CN "SEV-<line>" (for a VLEK leaf: the ASVK, "SEV-VLEK-<line>").
Result<CertificateChain> ChainFromBundle(const x509::Certificate& vcek,
                                         std::span<const x509::Certificate> bundle);

struct VerifyOptions {
  // Pinned ARKs (real AMD ones, or an emulator's). chain.ark must be byte-identical to one.
  std::vector<x509::Certificate> trusted_roots;
  std::time_t time = 0;  // certificates must be valid at this time
  // Check hwID == CHIP_ID (skipped anyway when the report sets MASK_CHIP_KEY or for a VLEK).
  bool check_chip_id = true;
};

// ECDSA P-384 / SHA-384 over bytes [0, 0x2A0) with r, s little-endian at 0x2A0 and 0x2E8
// (evidence-formats.md 1.5). Needs exactly kReportSize bytes; SIGNATURE_ALGO must be 1.
Result<void> VerifyReportSignature(ByteView report_bytes, const crypto::PublicKey& vcek_key);

// ARK pinned (DER equal to a trusted root), ARK -> ASK -> VCEK valid at `time` (RSA-PSS SHA-384),
// the VCEK is an ECDSA P-384 leaf with AMD extensions, and the ARK/ASK product line (CN
// "ARK-<line>", "SEV-<line>"; "SEV-VLEK-<line>" for a VLEK) is the VCEK productName's. Returns the
// parsed VCEK extensions.
Result<VcekExtensions> VerifyVcekChain(const CertificateChain& chain,
                                       std::span<const x509::Certificate> trusted_roots,
                                       std::time_t time);

// The report belongs to this VCEK: KEY_INFO.SIGNING_KEY is 0 for a VCEK or 1 for a VLEK (7, no
// signature, fails), the VCEK's bl/tee/snp/ucode (and Turin fmc) SPLs equal
// REPORTED_TCB decoded in the VCEK's product layout, a v3+ report's CPUID names the same product,
// and hwID == CHIP_ID (Turin: CHIP_ID[0..8]) unless MASK_CHIP_KEY is set or check_chip_id is false.
Result<void> VerifyReportMatchesVcek(const SnpReport& report, const VcekExtensions& vcek,
                                     bool check_chip_id = true);

// Everything above, in this order: parse the report, verify the chain, match TCB/CPUID/chip id,
// then the signature. Returns the parsed report. The first failure is returned (chain and TCB
// errors are kVerificationFailed, malformed input kMalformed).
Result<SnpReport> VerifyAttestation(ByteView report_bytes, const CertificateChain& chain,
                                    const VerifyOptions& options);

}  // namespace skr::snp

#endif  // SKR_SNP_VERIFY_H_
