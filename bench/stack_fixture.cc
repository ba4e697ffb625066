#include "bench/stack_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include "mock-kv/key_material.h"

namespace skr::bench {

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", what.c_str());
    std::abort();
  }
}

namespace {

template <typename T>
T Must(Result<T> r, const std::string& what) {
  Check(r.ok(), what + ": " + (r.ok() ? std::string() : r.error().ToString()));
  return std::move(r).value();
}

StackFixture* StartStack(emulator::cvm::CvmKind kind) {
  auto* f = new StackFixture();
  f->kind = kind;
  harness::StackOptions so;
  so.seed = 11;
  emulator::cvm::CvmOptions cvm;
  cvm.kind = kind;
  so.cvms = {cvm};
  f->stack = Must(harness::EmulatedStack::Start(std::move(so)), "starting the emulated stack");
  harness::EmulatedStack& s = *f->stack;
  const std::string isolation = emulator::cvm::IsSnp(kind) ? "sevsnpvm" : "tdxvm";
  const nlohmann::json policy = s.ReleasePolicyFor(isolation);
  harness::VaultKey key =
      Must(s.CreateExportableKey("bench-key", "RSA-HSM", 2048, policy), "creating the vault key");

  // The vault's view, as KeyVaultService was configured by the harness (stack.cc).
  const Bytes seed = s.seed_bytes();
  const std::string tenant = emulator::imds::DeriveGuid(seed, "entra/tenant");
  f->entra = Must(emulator::imds::EntraIssuer::Create(seed, tenant), "Entra issuer");
  f->identity = s.cvm(0).imds().identities().at(0);
  VaultSide& v = f->vault;
  v.attestation.trusted_issuers = {s.maa().url()};
  v.attestation.ca_bundle_pem = s.maa_ca_pem();
  v.identity.tenant_id = tenant;
  v.identity.jwks = f->entra->Jwks();
  v.key_name = key.name;
  v.kid = key.kid;
  v.material = Must(s.vault().ExportKeyMaterial(key.name), "exporting the key material");
  v.policy_canonical_json =
      Must(mock_kv::ParseReleasePolicy(policy.dump()), "parsing the release policy")
          .CanonicalJson();

  // One AzureGuest attestation through the guest client (its evidence and request body are
  // replayed by the verification stages and the MAA throughput run).
  f->client = Must(client::SkrClient::Create(s.ClientOptions(s.cvm(0))), "creating the client");
  hcl::HclReport hcl = Must(f->client->ReadHclReport(), "reading the HCL report");
  f->ephemeral_key = Must(f->client->tpm().CreateEphemeralKey(), "creating the ephemeral key");
  f->info = Must(f->client->CollectAzureGuestEvidence(hcl, *f->ephemeral_key, std::nullopt),
                 "collecting AzureGuest evidence");
  f->azure_guest_body = maa::EncodeAzureGuestRequest(f->info);
  mock_maa::ServiceResponse r =
      s.maa().service().Handle("POST", kAzureGuestTarget, f->azure_guest_body);
  Check(r.status == 200, "MAA AzureGuest: HTTP " + std::to_string(r.status) + " " + r.body);
  const std::string sealed = Must(maa::ParseTokenResponse(r.body), "MAA response");
  client::EphemeralKey* k = f->ephemeral_key.get();
  f->maa_token = Must(maa::OpenSealedJwt(Must(maa::ParseSealedToken(sealed), "sealed token"),
                                         [k](ByteView inner) {
                                           return k->Decrypt(tpm::RsaDecryptScheme::kRsaes, inner);
                                         }),
                      "unsealing the MAA token");
  f->maa_claims = Must(client::UnverifiedJwtClaims(f->maa_token), "MAA token claims");
  f->bearer_token =
      Must(f->entra->Sign(f->entra->Claims(f->identity, "https://vault.azure.net", s.Now(), 86399)),
           "Entra token");
  f->jwks_cache = std::make_unique<mock_kv::JwksCache>(std::chrono::seconds(3600));
  Check(mock_kv::VerifyAttestationToken(f->maa_token, v.attestation, s.Now(), f->jwks_cache.get())
            .ok(),
        "the vault accepts the MAA token");
  return f;
}

}  // namespace

StackFixture& Stack(emulator::cvm::CvmKind kind) {
  static std::mutex mu;
  static auto* stacks = new std::map<emulator::cvm::CvmKind, StackFixture*>();
  std::lock_guard<std::mutex> l(mu);
  auto it = stacks->find(kind);
  if (it == stacks->end()) it = stacks->emplace(kind, StartStack(kind)).first;
  return *it->second;
}

}  // namespace skr::bench
