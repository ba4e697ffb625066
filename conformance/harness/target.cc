#include "conformance/harness/target.h"

#include <cstdlib>

#include "client/guest_tpm.h"
#include "client/services.h"
#include "libskr/base/files.h"
#include "libskr/encoding/encoding.h"
#include "snp-tdx-emulator/amd/root_of_trust.h"
#include "snp-tdx-emulator/intel/tdx_platform.h"

namespace skr::harness {
namespace {

using emulator::cvm::CvmKind;
using nlohmann::json;

// 2026-01-01T00:00:00Z: the services' frozen clock, so tokens and runs are reproducible.
constexpr int64_t kNow = 1767225600;
constexpr uint64_t kSnpDebugPolicy = 0x30000 | (1ull << 19);  // evidence-formats 1.3: DEBUG
constexpr int64_t kMaaTokenLifetime = 8 * 3600;               // skr-protocol.md 6.6

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

Result<hcl::HclReport> ReadHcl(emulator::cvm::EmulatedCvm& cvm,
                               const std::optional<Bytes>& user_data = std::nullopt) {
  SKR_ASSIGN_OR_RETURN(auto tpm, client::GuestTpm::Open(cvm.tcti()));
  Bytes raw;
  if (user_data) {
    SKR_ASSIGN_OR_RETURN(raw, tpm->RequestHclReport(*user_data));
  } else {
    SKR_ASSIGN_OR_RETURN(raw, tpm->ReadHclReport());
  }
  return hcl::ParseHclReport(raw);
}

Result<std::string> PostForToken(const http::Client& c, const std::string& path,
                                 const std::string& body) {
  SKR_ASSIGN_OR_RETURN(http::Response r, c.Post(path, {}, body));
  if (r.status != 200) {
    return Internal("mock-maa " + path + ": HTTP " + std::to_string(r.status) + " " + r.body);
  }
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("token")) return Malformed("no token in " + r.body);
  return j["token"].get<std::string>();
}

}  // namespace

LiveEndpoints LiveEndpoints::FromEnvironment() {
  LiveEndpoints e;
  e.maa_url = Env("SKR_MAA_URL");
  e.vault_url = Env("SKR_VAULT_URL");
  e.vault_bearer = Env("SKR_KV_BEARER_TOKEN");
  e.tcti = Env("SKR_TCTI");
  e.imds_url = Env("SKR_IMDS_URL");
  e.ca_bundle_file = Env("SKR_CA_BUNDLE");
  return e;
}

std::unique_ptr<ConformanceTarget> ConformanceTarget::Live(LiveEndpoints endpoints) {
  std::unique_ptr<ConformanceTarget> t(new ConformanceTarget());
  t->endpoints_ = std::move(endpoints);
  if (!t->endpoints_.ca_bundle_file.empty()) {
    auto pem = ReadFileText(t->endpoints_.ca_bundle_file);
    if (pem.ok()) t->ca_bundle_pem_ = *pem;
  }
  t->fx_.now = SystemClock().Now();
  // An issuer no real tenant trusts: the bearer negatives sign with it.
  const Bytes seed = ToBytes(AsBytes("skr-harness conformance live"));
  auto entra = emulator::imds::EntraIssuer::Create(seed, emulator::imds::DeriveGuid(seed, "t"));
  if (entra.ok()) t->entra_ = std::move(entra).value();
  t->fx_.caller = {"5f1c0e2a-0000-4000-8000-0000000c0f01", "0b0a7e4d-0000-4000-8000-0000000c0f01",
                   "/subscriptions/conformance/caller"};
  t->fx_.stranger = t->fx_.caller;
  t->fx_.get_only = t->fx_.caller;
  return t;
}

std::string ConformanceTarget::vault_bearer() const {
  if (live()) return endpoints_.vault_bearer;
  auto b = Bearer(fx_.caller, mock_kv::kVaultAudience, 0, 3600);
  return b.ok() ? *b : "";
}

Result<std::string> ConformanceTarget::Bearer(const emulator::imds::ManagedIdentity& identity,
                                              std::string_view audience, int64_t iat_offset,
                                              int64_t lifetime) const {
  if (!entra_) return Internal("no Entra issuer");
  return entra_->Sign(entra_->Claims(identity, audience, fx_.now + iat_offset, lifetime));
}

Result<http::Client> ConformanceTarget::MaaClient() const {
  if (stack_) return http::Client::Create(stack_->maa().url(), stack_->ca_bundle_pem());
  return http::Client::Create(endpoints_.maa_url, ca_bundle_pem_);
}

Result<http::Client> ConformanceTarget::VaultClient() const {
  if (stack_) return http::Client::Create(stack_->vault().url(), stack_->ca_bundle_pem());
  return http::Client::Create(endpoints_.vault_url, ca_bundle_pem_);
}

Result<std::unique_ptr<ConformanceTarget>> ConformanceTarget::StartEmulated(uint64_t seed) {
  std::unique_ptr<ConformanceTarget> t(new ConformanceTarget());
  StackOptions so;
  so.seed = seed;
  so.now = kNow;
  emulator::cvm::CvmOptions snp, tdx, debug;
  snp.kind = CvmKind::kSnpMilan;
  tdx.kind = CvmKind::kTdx;
  debug.kind = CvmKind::kSnpMilan;
  debug.snp_policy = kSnpDebugPolicy;
  so.cvms = {snp, tdx, debug};
  SKR_ASSIGN_OR_RETURN(t->stack_, EmulatedStack::Start(std::move(so)));
  t->fx_.now = kNow;
  const Bytes sb = t->stack_->seed_bytes();
  SKR_ASSIGN_OR_RETURN(
      emulator::imds::EntraIssuer entra,
      emulator::imds::EntraIssuer::Create(sb, emulator::imds::DeriveGuid(sb, "entra/tenant")));
  t->entra_ = std::move(entra);
  auto prepared = t->Prepare();
  if (!prepared.ok()) return prepared.error().WithContext("preparing the conformance fixtures");
  return t;
}

Result<void> ConformanceTarget::Prepare() {
  EmulatedStack& s = *stack_;
  EmulatedFixtures& f = fx_;
  SKR_ASSIGN_OR_RETURN(http::Client maa, MaaClient());
  Bytes ud(64, 0x5C);

  // SEV-SNP: the current report, a later one with other user-data, and the certificates.
  {
    emulator::cvm::EmulatedCvm& cvm = s.cvm(0);
    SKR_ASSIGN_OR_RETURN(hcl::HclReport h, ReadHcl(cvm));
    const emulator::amd::AmdRootOfTrust& amd = *cvm.amd();
    const emulator::amd::Vcek& vcek = cvm.snp_firmware()->vcek();
    f.snp_chain_rest = amd.CertChainPem();
    f.snp_request.snp_report = ToBytes(h.HardwareReport());
    f.snp_request.vcek_cert_chain = vcek.cert.ToPem() + f.snp_chain_rest;
    f.snp_request.runtime_data = maa::TypedData{h.runtime_claims, "JSON"};
    SKR_ASSIGN_OR_RETURN(hcl::HclReport fresh, ReadHcl(cvm, ud));
    f.snp_fresh_runtime = fresh.runtime_claims;
    snp::TcbParts parts = vcek.tcb.Parts(snp::Product::kMilan);
    f.snp_fw_svn = parts.snp;
    f.snp_microcode_svn = parts.microcode;
    SKR_ASSIGN_OR_RETURN(auto other_chip, amd.IssueVcek(Bytes(64, 0x5A), vcek.tcb));
    f.vcek_other_chip_pem = other_chip.cert.ToPem() + f.snp_chain_rest;
    snp::TcbParts bumped = parts;
    bumped.microcode = static_cast<uint8_t>(bumped.microcode + 1);
    SKR_ASSIGN_OR_RETURN(
        auto other_tcb,
        amd.IssueVcek(vcek.chip_id, snp::TcbVersion::FromParts(snp::Product::kMilan, bumped)));
    f.vcek_other_tcb_pem = other_tcb.cert.ToPem() + f.snp_chain_rest;
    SKR_ASSIGN_OR_RETURN(auto foreign,
                         emulator::amd::AmdRootOfTrust::Create(
                             AsBytes("conformance: foreign AMD root"), snp::Product::kMilan));
    SKR_ASSIGN_OR_RETURN(auto foreign_vcek, foreign.IssueVcek(vcek.chip_id, vcek.tcb));
    f.foreign_root_chain_pem = foreign_vcek.cert.ToPem() + foreign.CertChainPem();
  }
  // AzureGuest evidence, as the client collects it (on the report NV 0x01400001 now holds).
  {
    SKR_ASSIGN_OR_RETURN(auto c, client::SkrClient::Create(s.ClientOptions(s.cvm(0))));
    SKR_ASSIGN_OR_RETURN(hcl::HclReport h, c->ReadHclReport());
    SKR_ASSIGN_OR_RETURN(auto key, c->tpm().CreateEphemeralKey());
    SKR_ASSIGN_OR_RETURN(f.azure_guest_info,
                         c->CollectAzureGuestEvidence(h, *key, std::string("conformance")));
  }
  // Debuggable SEV-SNP guest.
  {
    emulator::cvm::EmulatedCvm& cvm = s.cvm(2);
    SKR_ASSIGN_OR_RETURN(hcl::HclReport h, ReadHcl(cvm));
    f.snp_debug_request.snp_report = ToBytes(h.HardwareReport());
    f.snp_debug_request.vcek_cert_chain =
        cvm.snp_firmware()->vcek().cert.ToPem() + cvm.amd()->CertChainPem();
    f.snp_debug_request.runtime_data = maa::TypedData{h.runtime_claims, "JSON"};
  }
  // TDX: the quote IMDS returns for the current TDREPORT.
  {
    emulator::cvm::EmulatedCvm& cvm = s.cvm(1);
    SKR_ASSIGN_OR_RETURN(hcl::HclReport h, ReadHcl(cvm));
    SKR_ASSIGN_OR_RETURN(auto imds, client::ImdsClient::Create({cvm.imds_url(), std::nullopt}));
    SKR_ASSIGN_OR_RETURN(f.tdx_request.quote, imds.GetTdQuote(h.HardwareReport()));
    f.tdx_request.runtime_data = maa::TypedData{h.runtime_claims, "JSON"};
    SKR_ASSIGN_OR_RETURN(hcl::HclReport fresh, ReadHcl(cvm, ud));
    f.tdx_fresh_runtime = fresh.runtime_claims;
    SKR_ASSIGN_OR_RETURN(auto q, tdx::ParseTdQuote(f.tdx_request.quote));
    SKR_ASSIGN_OR_RETURN(auto foreign, emulator::intel::EmulatedTdxPlatform::Create(
                                           AsBytes("conformance: foreign Intel root")));
    SKR_ASSIGN_OR_RETURN(
        f.foreign_intel_quote,
        foreign.ReportAndQuote(ByteView(q.body.report_data.data(), q.body.report_data.size())));
  }

  // Tokens: as issued, and issued with MAA's clock moved so the vault sees them out of date.
  const std::string snp_body = maa::EncodeSevSnpVmRequest(f.snp_request);
  SKR_ASSIGN_OR_RETURN(f.snp_token, PostForToken(maa, kMaaSevSnpVmPath, snp_body));
  SKR_ASSIGN_OR_RETURN(f.tdx_token,
                       PostForToken(maa, kMaaTdxVmPath, maa::EncodeTdxVmRequest(f.tdx_request)));
  SKR_ASSIGN_OR_RETURN(
      f.debug_token,
      PostForToken(maa, kMaaSevSnpVmPath, maa::EncodeSevSnpVmRequest(f.snp_debug_request)));
  {
    maa::SevSnpVmRequest draft = f.snp_request;
    draft.draft_policy = "version=1.0; authorizationrules { => permit(); };";
    // A draft policy gets an unsecured JWT (alg "none") from MAA (skr-protocol.md 1.2).
    SKR_ASSIGN_OR_RETURN(f.unsigned_token,
                         PostForToken(maa, kMaaSevSnpVmPath, maa::EncodeSevSnpVmRequest(draft)));
  }
  mock_maa::AttestationService& svc = s.maa().service();
  struct Shift {
    int64_t at;
    std::string* token;
  };
  for (const Shift& sh : {Shift{f.now - kMaaTokenLifetime - 120, &f.expired_token},
                          Shift{f.now + 120, &f.future_token},
                          Shift{f.now - kMaaTokenLifetime + 30, &f.within_leeway_past},
                          Shift{f.now - 30 + 60, &f.within_leeway_future}}) {
    svc.SetNow(sh.at);
    auto tok = PostForToken(maa, kMaaSevSnpVmPath, snp_body);
    svc.SetNow(f.now);
    if (!tok.ok()) return tok.error();
    *sh.token = *tok;
  }
  f.maa_signing_kid = svc.CurrentKid();

  // Vault: keys with policies over the SevSnpVm/TdxVm top-level claims (skr-protocol.md 4.2).
  auto policy = [&](const std::string& authority, json all) {
    return json{{"version", "1.0.0"},
                {"anyOf", json::array({{{"authority", authority}, {"allOf", std::move(all)}}})}};
  };
  const json snp_claims =
      json::array({{{"claim", "x-ms-attestation-type"}, {"equals", "sevsnpvm"}},
                   {{"claim", "x-ms-sevsnpvm-is-debuggable"}, {"equals", false}}});
  SKR_RETURN_IF_ERROR(
      s.CreateExportableKey(kKeySnp, "oct-HSM", 256, policy(s.maa().url(), snp_claims)));
  SKR_RETURN_IF_ERROR(s.CreateExportableKey(
      kKeyTdxOnly, "oct-HSM", 256,
      policy(s.maa().url(),
             json::array({{{"claim", "x-ms-attestation-type"}, {"equals", "tdxvm"}}}))));
  SKR_RETURN_IF_ERROR(
      s.CreateExportableKey(kKeyOtherAuthority, "oct-HSM", 256,
                            policy("https://sharedeus.eus.attest.azure.net", snp_claims)));
  SKR_RETURN_IF_ERROR(s.CreateExportableKey(
      kKeyHostData, "oct-HSM", 256,
      policy(s.maa().url(), json::array({{{"claim", "x-ms-sevsnpvm-hostdata"},
                                          {"equals", std::string(64, 'f')}}}))));
  SKR_RETURN_IF_ERROR(
      s.CreateExportableKey(kKeyDisabled, "oct-HSM", 256, policy(s.maa().url(), snp_claims)));
  {
    SKR_ASSIGN_OR_RETURN(std::string op, s.OperatorToken());
    SKR_ASSIGN_OR_RETURN(http::Client kv, VaultClient());
    const http::Headers auth = {{"Authorization", "Bearer " + op}};
    SKR_ASSIGN_OR_RETURN(
        http::Response r,
        kv.Post(std::string("/keys/") + kKeyNonExportable + "/create?api-version=7.4", auth,
                json{{"kty", "oct-HSM"}, {"key_size", 256}}.dump()));
    if (r.status != 200) return Internal("creating the non-exportable key: " + r.body);
    SKR_ASSIGN_OR_RETURN(r, kv.Patch(std::string("/keys/") + kKeyDisabled + "?api-version=7.4",
                                     auth, json{{"attributes", {{"enabled", false}}}}.dump()));
    if (r.status != 200) return Internal("disabling a key: " + r.body);
  }
  // Callers: the SNP CVM's identity (get, release), one with get only, one with no access.
  f.caller = s.cvm(0).imds().identities().at(0);
  f.get_only = {"5f1c0e2a-0000-4000-8000-0000000c0f02", "0b0a7e4d-0000-4000-8000-0000000c0f02",
                "/subscriptions/conformance/get-only"};
  f.stranger = {"5f1c0e2a-0000-4000-8000-0000000c0f03", "0b0a7e4d-0000-4000-8000-0000000c0f03",
                "/subscriptions/conformance/stranger"};
  s.vault().SetAccessPolicy({f.get_only.object_id, {"get"}});
  return Ok();
}

}  // namespace skr::harness
