// Policy checks on an (already verified) SNP report, as go-sev-guest's validate package: debug and
// migration-agent bits, TCB floors per component, required measurement/host data/ids, guest SVN,
// VMPL. Every violation is kPolicyViolation naming the field, what was found and what is required.
#ifndef SKR_SNP_VALIDATE_H_
#define SKR_SNP_VALIDATE_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "libskr/base/bytes.h"
#include "libskr/base/result.h"
#include "libskr/snp/abi.h"

namespace skr::snp {

// Minimum security patch level per TCB component; unset components are not checked.
struct TcbFloor {
  std::optional<uint8_t> bootloader;
  std::optional<uint8_t> tee;
  std::optional<uint8_t> snp;
  std::optional<uint8_t> microcode;
  std::optional<uint8_t> fmc;  // Turin
};

struct ValidationPolicy {
  // Product whose TCB layout decodes the TCB fields; unset: from the report's CPUID (v3+), else
  // the Milan/Genoa layout. Verified reports: pass the VCEK's product.
  std::optional<Product> product;

  bool allow_debug = false;            // POLICY.DEBUG must be 0 unless allowed
  bool allow_migration_agent = false;  // POLICY.MIGRATE_MA must be 0 unless allowed
  bool allow_smt = true;               // POLICY.SMT
  bool require_single_socket = false;  // POLICY.SINGLE_SOCKET

  std::optional<uint32_t> min_guest_svn;
  std::optional<uint32_t> vmpl;  // exact VMPL (Azure/trustee: 0)
  std::optional<uint8_t> min_abi_major;
  std::optional<uint8_t> min_abi_minor;  // checked when ABI major == min_abi_major

  TcbFloor min_reported_tcb;                       // REPORTED_TCB (the VCEK's TCB)
  TcbFloor min_current_tcb;                        // CURRENT_TCB
  TcbFloor min_committed_tcb;                      // COMMITTED_TCB
  TcbFloor min_launch_tcb;                         // LAUNCH_TCB
  bool require_reported_equals_committed = false;  // kinvolk az-snp-vtpm's rule

  // Exact values; unset fields are not checked.
  std::optional<Bytes> report_data;   // 64 bytes
  std::optional<Bytes> measurement;   // 48
  std::optional<Bytes> host_data;     // 32
  std::optional<Bytes> family_id;     // 16
  std::optional<Bytes> image_id;      // 16
  std::optional<Bytes> chip_id;       // 64
  std::optional<Bytes> report_id_ma;  // 32 (all 0xFF = no migration agent)
  // ID_KEY_DIGEST must be one of these when non-empty.
  std::vector<Bytes> trusted_id_key_digests;
  std::vector<Bytes> trusted_author_key_digests;  // checked when AUTHOR_KEY_EN is set
  bool require_author_key = false;
  bool allow_vlek = true;  // KEY_INFO.SIGNING_KEY may be VLEK (otherwise VCEK only)
};

// The first violation of `policy` by `report`, or Ok.
Result<void> ValidateReport(const SnpReport& report, const ValidationPolicy& policy);

}  // namespace skr::snp

#endif  // SKR_SNP_VALIDATE_H_
