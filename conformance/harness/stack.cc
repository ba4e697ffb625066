#include "conformance/harness/stack.h"

#include "libskr/encoding/encoding.h"
#include "libskr/http/client.h"
#include "libskr/http/test_tls.h"
#include "snp-tdx-emulator/imds/imds_server.h"

namespace skr::harness {
namespace {

using nlohmann::json;

Bytes SeedBytes(uint64_t seed) {
  Bytes b(8);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(seed >> (56 - 8 * i));
  return b;
}

}  // namespace

EmulatedStack::~EmulatedStack() {
  if (kv_) kv_->Stop();
  if (maa_) maa_->Stop();
  for (auto& c : cvms_) c->Stop();
}

Bytes EmulatedStack::seed_bytes() const { return SeedBytes(options_.seed); }

int64_t EmulatedStack::Now() const { return options_.now ? *options_.now : SystemClock().Now(); }

Result<std::unique_ptr<EmulatedStack>> EmulatedStack::Start(StackOptions options) {
  std::unique_ptr<EmulatedStack> s(new EmulatedStack());
  s->options_ = std::move(options);
  const Bytes seed = s->seed_bytes();

  // The CVMs first: MAA must trust their hardware roots and their vTPM CA.
  mock_maa::MaaServerOptions maa;
  maa.service.seed = seed;
  maa.service.now = s->options_.now;
  for (emulator::cvm::CvmOptions c : s->options_.cvms) {
    c.seed = seed;
    // One tenant, host and vTPM CA for all, but each CVM its own VM id and vTPM.
    if (c.vm_name.empty()) c.vm_name = "vm" + std::to_string(s->cvms_.size());
    c.now = s->options_.now;
    auto cvm = emulator::cvm::EmulatedCvm::Start(std::move(c));
    if (!cvm.ok()) return cvm.error().WithContext("starting an emulated CVM");
    const x509::Certificate& root = (*cvm)->platform_root();
    auto& roots =
        emulator::cvm::IsSnp((*cvm)->kind()) ? maa.service.amd_roots : maa.service.intel_roots;
    roots.push_back(root);
    // The AK certificate carries no chain: MAA knows Azure's vTPM root and issuing CA.
    maa.service.aik_roots.push_back((*cvm)->vtpm_ca().root());
    maa.service.aik_roots.push_back((*cvm)->vtpm_ca().intermediate());
    s->cvms_.push_back(std::move(cvm).value());
  }

  auto maa_server = mock_maa::MaaServer::Start(std::move(maa));
  if (!maa_server.ok()) return maa_server.error().WithContext("starting mock-maa");
  s->maa_ = std::move(maa_server).value();
  s->maa_ca_pem_ = s->maa_->ca_cert_pem();

  // Key Vault: trusts this MAA as attestation authority and the CVMs' Entra tenant for callers.
  const std::string tenant = emulator::imds::DeriveGuid(seed, "entra/tenant");
  SKR_ASSIGN_OR_RETURN(emulator::imds::EntraIssuer entra,
                       emulator::imds::EntraIssuer::Create(seed, tenant));
  SKR_ASSIGN_OR_RETURN(http::ServerTls tls,
                       http::MakeServerTls(seed, http::DefaultTlsHostnames(), "mock-kv"));
  s->kv_ca_pem_ = tls.ca_cert_pem;
  mock_kv::KeyVaultOptions kv;
  kv.server.tls = tls.identity;
  kv.seed = seed;
  if (s->options_.now) kv.clock = std::make_shared<FixedClock>(*s->options_.now);
  kv.attestation.trusted_issuers = {s->maa_->url()};
  kv.attestation.ca_bundle_pem = s->maa_ca_pem_;
  kv.identity.tenant_id = tenant;
  kv.identity.jwks = entra.Jwks();
  // Every managed identity of the CVMs may get and release keys (by default); the operator may do
  // anything.
  for (const auto& c : s->cvms_) {
    for (const auto& id : c->imds().identities()) {
      kv.access_policies.push_back({id.object_id, s->options_.cvm_key_permissions});
    }
  }
  kv.access_policies.push_back({s->operator_oid_, {"all"}});
  auto vault = mock_kv::KeyVaultService::Start(std::move(kv));
  if (!vault.ok()) return vault.error().WithContext("starting mock-kv");
  s->kv_ = std::move(vault).value();
  return s;
}

Result<std::string> EmulatedStack::OperatorToken() const {
  const Bytes seed = seed_bytes();
  SKR_ASSIGN_OR_RETURN(
      emulator::imds::EntraIssuer entra,
      emulator::imds::EntraIssuer::Create(seed, emulator::imds::DeriveGuid(seed, "entra/tenant")));
  emulator::imds::ManagedIdentity op{"5f1c0e2a-0000-4000-8000-00000000c0de", operator_oid_,
                                     "/subscriptions/harness/operator"};
  return entra.Sign(entra.Claims(op, "https://vault.azure.net", Now(), 3600));
}

json EmulatedStack::ReleasePolicyFor(std::string_view attestation_type) const {
  json all = json::array({
      {{"claim", "x-ms-isolation-tee.x-ms-attestation-type"}, {"equals", attestation_type}},
      {{"claim", "x-ms-isolation-tee.x-ms-compliance-status"}, {"equals", "azure-compliant-cvm"}},
  });
  if (attestation_type == "sevsnpvm") {
    all.push_back({{"claim", "x-ms-isolation-tee.x-ms-sevsnpvm-is-debuggable"}, {"equals", false}});
  }
  return {{"version", "1.0.0"},
          {"anyOf", json::array({{{"authority", maa_->url()}, {"allOf", all}}})}};
}

Result<VaultKey> EmulatedStack::CreateExportableKey(const std::string& name, const std::string& kty,
                                                    int size, const json& release_policy) {
  SKR_ASSIGN_OR_RETURN(std::string token, OperatorToken());
  SKR_ASSIGN_OR_RETURN(http::Client c, http::Client::Create(kv_->url(), kv_ca_pem_));
  json body = {{"kty", kty},
               {"attributes", {{"exportable", true}}},
               {"release_policy",
                {{"contentType", "application/json; charset=utf-8"},
                 {"data", encoding::Base64UrlEncode(AsBytes(release_policy.dump()))}}}};
  if (kty.rfind("EC", 0) == 0) {
    body["crv"] = "P-256";
  } else {
    body["key_size"] = size;
  }
  SKR_ASSIGN_OR_RETURN(http::Response r,
                       c.Post("/keys/" + name + "/create?api-version=7.4",
                              {{"Authorization", "Bearer " + token}}, body.dump()));
  if (r.status != 200) {
    return Internal("creating key " + name + " in mock-kv: HTTP " + std::to_string(r.status) + " " +
                    r.body);
  }
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("key") || !j["key"].contains("kid")) {
    return Malformed("mock-kv create response has no key.kid: " + r.body);
  }
  return VaultKey{name, j["key"]["kid"].get<std::string>(), kty, release_policy};
}

client::SkrClientOptions EmulatedStack::ClientOptions(const emulator::cvm::EmulatedCvm& cvm) const {
  client::SkrClientOptions o;
  o.tcti = cvm.tcti();
  o.imds = {cvm.imds_url(), std::nullopt};
  o.maa = {maa_->url(), ca_bundle_pem()};
  o.vault = {kv_->url(), ca_bundle_pem()};
  o.retry.max_attempts = 2;
  o.retry.initial_backoff = std::chrono::milliseconds(50);
  return o;
}

}  // namespace skr::harness
