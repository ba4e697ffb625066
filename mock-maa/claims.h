// MAA token claims built from parsed evidence: pure functions, no I/O, so claim names, JSON types
// and nesting are testable against the reference tokens (skr-protocol.md 3.3-3.6,
// evidence-formats.md 4).
#ifndef SKR_MOCK_MAA_CLAIMS_H_
#define SKR_MOCK_MAA_CLAIMS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "libskr/snp/abi.h"
#include "libskr/tdx/abi.h"
#include "mock-maa/policy/policy.h"

namespace skr::mock_maa {

inline constexpr int64_t kTokenLifetimeSeconds = 8 * 3600;  // exp = iat + 28800 (3.2)
inline constexpr char kCompliantCvm[] = "azure-compliant-cvm";

// The x-ms-sevsnpvm-* claims of one SNP report (skr-protocol.md 3.3; the 2025 token adds the
// policy-bit claims ciphertext-hiding-dram-enabled, cxl-allowed, mem-aes256-xts-required,
// page-swap-disabled, rapl-disabled, singlesocket). Digests and ids are lower-case hex strings,
// SVNs and vmpl numbers, policy bits booleans. The SVN claims decode REPORTED_TCB in `product`'s
// layout (the VCEK's product; it matches the THIM tcbm of the real 2025 token).
nlohmann::json SevSnpVmClaims(const snp::SnpReport& report, snp::Product product);

// The tdx_* EAT-style claims of a TD quote body plus the TdxVm profile claims (attester_tcb_status,
// dbgstat, eat_profile, intuse) (skr-protocol.md 3.4). Measurements lower-case hex; attributes and
// XFAM as the 8 little-endian bytes in hex; tdx_seamsvn a number (TEE_TCB_SVN bytes 0-1, LE,
// UNCONFIRMED); the attribute bits booleans. attester_tcb_status is "UpToDate": the mock checks
// no Intel collateral (README).
nlohmann::json TdxVmClaims(const tdx::TdQuoteBody& body);

// Claims common to every token: iss, iat, nbf (= iat), exp (= iat + 8 h), jti, x-ms-ver "1.0",
// x-ms-attestation-type, x-ms-policy-hash.
struct CommonClaimsInput {
  std::string issuer;  // base URL, no trailing slash
  int64_t iat = 0;
  std::string jti;               // 64 lower-case hex
  std::string attestation_type;  // "sevsnpvm", "tdxvm", "azurevm"
  std::string policy_hash;
};
nlohmann::json CommonClaims(const CommonClaimsInput& in);

// The policy engine's view of a claim set: every top-level member becomes an AttestationService
// claim of that type (objects such as x-ms-runtime included, testable for presence).
std::vector<PolicyClaim> ToPolicyClaims(const nlohmann::json& claims);

// Adds the policy's issue() claims to `token` (a later claim of the same type replaces an earlier
// one).
void AddIssuedClaims(nlohmann::json& token, const std::vector<PolicyClaim>& issued);

}  // namespace skr::mock_maa

#endif  // SKR_MOCK_MAA_CLAIMS_H_
