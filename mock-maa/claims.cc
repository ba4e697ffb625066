#include "mock-maa/claims.h"

#include "libskr/encoding/encoding.h"

namespace skr::mock_maa {

namespace {
template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return encoding::HexEncode(ByteView(a.data(), a.size()));
}
}  // namespace

nlohmann::json SevSnpVmClaims(const snp::SnpReport& r, snp::Product product) {
  // POLICY bits straight from the raw value (evidence-formats.md 1.3): a report the verifier
  // accepted has a well-formed POLICY, but these claims must not depend on that.
  auto bit = [&](int n) { return ((r.policy >> n) & 1) != 0; };
  snp::TcbParts tcb = r.reported_tcb.Parts(product);
  nlohmann::json j = nlohmann::json::object();
  j["x-ms-sevsnpvm-authorkeydigest"] = Hex(r.author_key_digest);
  j["x-ms-sevsnpvm-bootloader-svn"] = tcb.bootloader;
  j["x-ms-sevsnpvm-ciphertext-hiding-dram-enabled"] = bit(24);
  j["x-ms-sevsnpvm-cxl-allowed"] = bit(21);
  j["x-ms-sevsnpvm-familyId"] = Hex(r.family_id);
  j["x-ms-sevsnpvm-guestsvn"] = r.guest_svn;
  j["x-ms-sevsnpvm-hostdata"] = Hex(r.host_data);
  j["x-ms-sevsnpvm-idkeydigest"] = Hex(r.id_key_digest);
  j["x-ms-sevsnpvm-imageId"] = Hex(r.image_id);
  j["x-ms-sevsnpvm-is-debuggable"] = bit(19);
  j["x-ms-sevsnpvm-launchmeasurement"] = Hex(r.measurement);
  j["x-ms-sevsnpvm-mem-aes256-xts-required"] = bit(22);
  j["x-ms-sevsnpvm-microcode-svn"] = tcb.microcode;
  j["x-ms-sevsnpvm-migration-allowed"] = bit(18);
  j["x-ms-sevsnpvm-page-swap-disabled"] = bit(25);
  j["x-ms-sevsnpvm-rapl-disabled"] = bit(23);
  j["x-ms-sevsnpvm-reportdata"] = Hex(r.report_data);
  j["x-ms-sevsnpvm-reportid"] = Hex(r.report_id);
  j["x-ms-sevsnpvm-singlesocket"] = bit(20);
  j["x-ms-sevsnpvm-smt-allowed"] = bit(16);
  j["x-ms-sevsnpvm-snpfw-svn"] = tcb.snp;
  j["x-ms-sevsnpvm-tee-svn"] = tcb.tee;
  j["x-ms-sevsnpvm-vmpl"] = r.vmpl;
  return j;
}

nlohmann::json TdxVmClaims(const tdx::TdQuoteBody& b) {
  auto le8 = [](uint64_t v) {
    Bytes out(8);
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
    return encoding::HexEncode(out);
  };
  auto tdbit = [&](int n) { return ((b.td_attributes >> n) & 1) != 0; };
  nlohmann::json j = nlohmann::json::object();
  j["attester_tcb_status"] = "UpToDate";
  j["dbgstat"] = tdbit(0) ? "enabled" : "disabled";
  j["eat_profile"] = "https://aka.ms/maa-eat-profile-tdxvm";
  j["intuse"] = "generic";
  j["tdx_mrconfigid"] = Hex(b.mr_config_id);
  j["tdx_mrowner"] = Hex(b.mr_owner);
  j["tdx_mrownerconfig"] = Hex(b.mr_owner_config);
  j["tdx_mrseam"] = Hex(b.mr_seam);
  j["tdx_mrsignerseam"] = Hex(b.mr_signer_seam);
  j["tdx_mrtd"] = Hex(b.mr_td);
  j["tdx_report_data"] = Hex(b.report_data);
  for (int i = 0; i < 4; ++i) j["tdx_rtmr" + std::to_string(i)] = Hex(b.rtmr[i]);
  j["tdx_seam_attributes"] = Hex(b.seam_attributes);
  j["tdx_seamsvn"] = b.tee_tcb_svn[0] | (b.tee_tcb_svn[1] << 8);
  j["tdx_td_attributes"] = le8(b.td_attributes);
  // TD ATTRIBUTES bits (Intel TDX module ABI): 0 DEBUG, 28 SEPT_VE_DISABLE, 30 PKS, 31 KL,
  // 63 PERFMON.
  j["tdx_td_attributes_debug"] = tdbit(0);
  j["tdx_td_attributes_key_locker"] = tdbit(31);
  j["tdx_td_attributes_perfmon"] = tdbit(63);
  j["tdx_td_attributes_protection_keys"] = tdbit(30);
  j["tdx_td_attributes_septve_disable"] = tdbit(28);
  j["tdx_tee_tcb_svn"] = Hex(b.tee_tcb_svn);
  j["tdx_xfam"] = le8(b.xfam);
  return j;
}

nlohmann::json CommonClaims(const CommonClaimsInput& in) {
  nlohmann::json j = nlohmann::json::object();
  j["exp"] = in.iat + kTokenLifetimeSeconds;
  j["iat"] = in.iat;
  j["iss"] = in.issuer;
  j["jti"] = in.jti;
  j["nbf"] = in.iat;
  j["x-ms-attestation-type"] = in.attestation_type;
  j["x-ms-policy-hash"] = in.policy_hash;
  j["x-ms-ver"] = "1.0";
  return j;
}

std::vector<PolicyClaim> ToPolicyClaims(const nlohmann::json& claims) {
  std::vector<PolicyClaim> out;
  for (auto it = claims.begin(); it != claims.end(); ++it) {
    out.push_back({it.key(), it.value(), std::string(kIssuerAttestationService)});
  }
  return out;
}

void AddIssuedClaims(nlohmann::json& token, const std::vector<PolicyClaim>& issued) {
  for (const PolicyClaim& c : issued) token[c.type] = c.value;
}

}  // namespace skr::mock_maa
