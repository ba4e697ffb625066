// Emulated Intel SGX/TDX PKI: an "Intel SGX Root CA", an "Intel SGX PCK Platform CA" (or Processor
// CA) and a "Intel SGX PCK Certificate" with the SGX extension (FMSPC, TCB, PCE-ID ...), with the
// real certificates' profile (names, validity, extension order and encodings; compare the chain in
// evidence-samples/trustee/az-tdx-vtpm/td-quote.bin). Deterministic: one seed gives the same keys
// and byte-identical certificates. These are NOT Intel's keys: quotes chain to this emulated root,
// which a verifier must pin instead of go-tdx-guest/trusted_root.pem.
#ifndef SKR_EMULATOR_INTEL_PKI_H_
#define SKR_EMULATOR_INTEL_PKI_H_

#include <ctime>
#include <optional>
#include <string>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/crypto/keys.h"
#include "libskr/tdx/pck.h"
#include "libskr/x509/certificate.h"

namespace skr::emulator::intel {

// The SGX extension of the real Azure PCK certificate (FMSPC 00806f050000, SGX TCB
// 06060202030100030..., PCESVN 11, PCE-ID 0000, Scalable, Platform CA configuration), with the
// per-platform PPID and PlatformInstanceID drawn from Drbg(seed, "intel/ppid").
tdx::PckExtensions AzurePckExtensions(ByteView seed);

struct IntelPkiOptions {
  std::optional<tdx::PckExtensions> pck_extensions;  // default AzurePckExtensions(seed)
  std::time_t pck_not_before = 1694638851;  // 2023-09-13T21:00:51Z, as the sample's PCK; +7 years
  bool processor_ca = false;  // issue the PCK from "Intel SGX PCK Processor CA" instead
};

struct IntelPki {
  crypto::PrivateKey root_key;  // Drbg(seed, "intel/sgx-root"), P-256
  crypto::PrivateKey ca_key;    // Drbg(seed, "intel/pck-platform-ca" | "intel/pck-processor-ca")
  crypto::PrivateKey pck_key;   // Drbg(seed, "intel/pck")
  x509::Certificate root;       // self-signed, 2018-05-21T10:45:10Z .. 2049-12-31T23:59:59Z
  x509::Certificate ca;         // 2018-05-21T10:50:10Z .. 2033-05-21T10:50:10Z
  x509::Certificate pck;        // pck_not_before .. +7 years
  tdx::PckExtensions pck_extensions;

  // leaf, CA, root as PEM followed by one NUL, as in a real quote's certification data type 5.
  std::string ChainPem() const;
};

Result<IntelPki> CreateIntelPki(ByteView seed, const IntelPkiOptions& options = {});

}  // namespace skr::emulator::intel

#endif  // SKR_EMULATOR_INTEL_PKI_H_
