#include "mock-maa/claims.h"

#include "libskr/encoding/encoding.h"

namespace skr::maa {

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

}  // namespace skr::maa
