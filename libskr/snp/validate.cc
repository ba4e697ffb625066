#include "libskr/snp/validate.h"

#include <algorithm>

#include "libskr/encoding/encoding.h"

namespace skr::snp {
namespace {

Error Violation(std::string_view field, const std::string& found, const std::string& required) {
  return PolicyViolation("SNP report " + std::string(field) + ": found " + found + ", required " +
                         required);
}

template <size_t N>
Result<void> CheckExact(std::string_view field, const std::array<uint8_t, N>& have,
                        const std::optional<Bytes>& want) {
  if (!want) return Ok();
  if (!std::equal(have.begin(), have.end(), want->begin(), want->end())) {
    return Violation(field, encoding::HexEncode(have), encoding::HexEncode(*want));
  }
  return Ok();
}

Result<void> CheckFloor(std::string_view field, const TcbVersion& tcb, Product product,
                        const TcbFloor& floor) {
  const TcbParts p = tcb.Parts(product);
  struct Item {
    std::string_view name;
    uint8_t have;
    const std::optional<uint8_t>& min;
  };
  const Item items[] = {{"bootloader SPL", p.bootloader, floor.bootloader},
                        {"TEE SPL", p.tee, floor.tee},
                        {"SNP SPL", p.snp, floor.snp},
                        {"microcode SPL", p.microcode, floor.microcode},
                        {"FMC SPL", p.fmc, floor.fmc}};
  for (const auto& it : items) {
    if (it.min && it.have < *it.min) {
      return Violation(std::string(field) + " " + std::string(it.name), std::to_string(it.have),
                       ">= " + std::to_string(*it.min) + " (TCB " + tcb.Tcbm() + ", " +
                           std::string(ProductName(product)) + " layout)");
    }
  }
  return Ok();
}

}  // namespace

Result<void> ValidateReport(const SnpReport& r, const ValidationPolicy& policy) {
  SKR_ASSIGN_OR_RETURN(GuestPolicy gp, r.Policy());
  if (gp.debug && !policy.allow_debug) {
    return Violation("POLICY.DEBUG (bit 19)", "1 (debugging allowed, guest memory readable)", "0");
  }
  if (gp.migrate_ma && !policy.allow_migration_agent) {
    return Violation("POLICY.MIGRATE_MA (bit 18)", "1", "0 (no migration agent)");
  }
  if (gp.smt && !policy.allow_smt) return Violation("POLICY.SMT (bit 16)", "1", "0");
  if (!gp.single_socket && policy.require_single_socket) {
    return Violation("POLICY.SINGLE_SOCKET (bit 20)", "0", "1");
  }
  if (policy.min_abi_major && gp.abi_major < *policy.min_abi_major) {
    return Violation("POLICY.ABI_MAJOR", std::to_string(gp.abi_major),
                     ">= " + std::to_string(*policy.min_abi_major));
  }
  if (policy.min_abi_major && policy.min_abi_minor && gp.abi_major == *policy.min_abi_major &&
      gp.abi_minor < *policy.min_abi_minor) {
    return Violation("POLICY.ABI_MINOR", std::to_string(gp.abi_minor),
                     ">= " + std::to_string(*policy.min_abi_minor));
  }
  if (policy.min_guest_svn && r.guest_svn < *policy.min_guest_svn) {
    return Violation("GUEST_SVN", std::to_string(r.guest_svn),
                     ">= " + std::to_string(*policy.min_guest_svn));
  }
  if (policy.vmpl && r.vmpl != *policy.vmpl) {
    return Violation("VMPL", std::to_string(r.vmpl), std::to_string(*policy.vmpl));
  }
  if (!policy.allow_vlek && r.signing_key() != static_cast<uint32_t>(SigningKey::kVcek)) {
    return Violation("KEY_INFO.SIGNING_KEY", std::to_string(r.signing_key()), "0 (VCEK)");
  }
  Product product = policy.product.value_or(r.ProductFromReport());
  SKR_RETURN_IF_ERROR(CheckFloor("REPORTED_TCB", r.reported_tcb, product, policy.min_reported_tcb));
  SKR_RETURN_IF_ERROR(CheckFloor("CURRENT_TCB", r.current_tcb, product, policy.min_current_tcb));
  SKR_RETURN_IF_ERROR(
      CheckFloor("COMMITTED_TCB", r.committed_tcb, product, policy.min_committed_tcb));
  SKR_RETURN_IF_ERROR(CheckFloor("LAUNCH_TCB", r.launch_tcb, product, policy.min_launch_tcb));
  if (policy.require_reported_equals_committed && r.reported_tcb != r.committed_tcb) {
    return Violation("REPORTED_TCB", r.reported_tcb.Tcbm(),
                     "== COMMITTED_TCB " + r.committed_tcb.Tcbm());
  }
  SKR_RETURN_IF_ERROR(CheckExact("REPORT_DATA", r.report_data, policy.report_data));
  SKR_RETURN_IF_ERROR(CheckExact("MEASUREMENT", r.measurement, policy.measurement));
  SKR_RETURN_IF_ERROR(CheckExact("HOST_DATA", r.host_data, policy.host_data));
  SKR_RETURN_IF_ERROR(CheckExact("FAMILY_ID", r.family_id, policy.family_id));
  SKR_RETURN_IF_ERROR(CheckExact("IMAGE_ID", r.image_id, policy.image_id));
  SKR_RETURN_IF_ERROR(CheckExact("CHIP_ID", r.chip_id, policy.chip_id));
  SKR_RETURN_IF_ERROR(CheckExact("REPORT_ID_MA", r.report_id_ma, policy.report_id_ma));
  auto in = [](const auto& have, const std::vector<Bytes>& list) {
    return std::any_of(list.begin(), list.end(), [&](const Bytes& b) {
      return std::equal(have.begin(), have.end(), b.begin(), b.end());
    });
  };
  if (!policy.trusted_id_key_digests.empty() &&
      !in(r.id_key_digest, policy.trusted_id_key_digests)) {
    return Violation("ID_KEY_DIGEST", encoding::HexEncode(r.id_key_digest),
                     "one of " + std::to_string(policy.trusted_id_key_digests.size()) +
                         " trusted ID key digests");
  }
  if (policy.require_author_key && !r.author_key_en()) {
    return Violation("KEY_INFO.AUTHOR_KEY_EN", "0", "1");
  }
  if (r.author_key_en() && !policy.trusted_author_key_digests.empty() &&
      !in(r.author_key_digest, policy.trusted_author_key_digests)) {
    return Violation("AUTHOR_KEY_DIGEST", encoding::HexEncode(r.author_key_digest),
                     "one of " + std::to_string(policy.trusted_author_key_digests.size()) +
                         " trusted author key digests");
  }
  return Ok();
}

}  // namespace skr::snp
