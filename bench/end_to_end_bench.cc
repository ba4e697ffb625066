// The whole attestation-to-release path on the emulated stack, two ways:
// * over loopback HTTPS: the guest client attests (AzureGuest: vTPM evidence, IMDS, MAA,
//   unsealing in the vTPM) and releases a key from mock-kv (bearer token from IMDS, policy,
//   key_hsm, unwrap in the vTPM);
// * in-process (bench/in_process.h): the same component calls without any HTTP, so the difference
//   is what the transport (TLS handshakes, HTTP framing, server threads) costs.
// A fixed iteration count keeps the run time of these slow (tens of ms) flows predictable.
// Counters split the time into its steps; the per-stage floors are
// in stages_bench.cc and components_bench.cc.
#include <benchmark/benchmark.h>

#include <chrono>

#include "bench/in_process.h"
#include "bench/stack_fixture.h"

namespace skr::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void RunHttpsFlow(benchmark::State& state, emulator::cvm::CvmKind kind) {
  StackFixture& f = Stack(kind);
  auto client = client::SkrClient::Create(f.stack->ClientOptions(f.stack->cvm(0)));
  if (!client.ok()) {
    state.SkipWithError(client.error().ToString().c_str());
    return;
  }
  double attest_ms = 0, release_ms = 0;
  int64_t n = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    auto a = (*client)->Attest({});
    auto t1 = Clock::now();
    if (!a.ok()) {
      state.SkipWithError(a.error().ToString().c_str());
      return;
    }
    auto k = (*client)->ReleaseKey(*a, f.vault.kid, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256);
    auto t2 = Clock::now();
    if (!k.ok()) {
      state.SkipWithError(k.error().ToString().c_str());
      return;
    }
    attest_ms += Ms(t0, t1);
    release_ms += Ms(t1, t2);
    ++n;
  }
  if (n > 0) {
    state.counters["attest_ms"] = attest_ms / n;
    state.counters["release_ms"] = release_ms / n;
  }
}

void BM_EndToEnd_SevSnpAzureGuestRelease(benchmark::State& state) {
  RunHttpsFlow(state, emulator::cvm::CvmKind::kSnpMilan);
}
BENCHMARK(BM_EndToEnd_SevSnpAzureGuestRelease)->Unit(benchmark::kMillisecond)->Iterations(15);

void BM_EndToEnd_TdxAzureGuestRelease(benchmark::State& state) {
  RunHttpsFlow(state, emulator::cvm::CvmKind::kTdx);
}
BENCHMARK(BM_EndToEnd_TdxAzureGuestRelease)->Unit(benchmark::kMillisecond)->Iterations(15);

// The same flow in-process. Steps (counters, ms): evidence (HCL report read, ephemeral key,
// AK/PCR/quote reads, THIM chain or TD quote), maa (AttestationService::Handle of the AzureGuest
// request: verification, token, sealing), unseal (in the vTPM), vault (Entra token for the
// identity as IMDS signs it, then the release handler), unwrap (response parse + key_hsm unwrap
// in the vTPM).
void RunInProcessFlow(benchmark::State& state, emulator::cvm::CvmKind kind) {
  StackFixture& f = Stack(kind);
  mock_maa::AttestationService& maa = f.stack->maa().service();
  double evidence = 0, maa_ms = 0, unseal = 0, vault = 0, unwrap = 0;
  int64_t n = 0;
  auto fail = [&](const Error& e, const char* step) {
    state.SkipWithError((std::string(step) + ": " + e.ToString()).c_str());
  };
  for (auto _ : state) {
    auto t0 = Clock::now();
    auto hcl = f.client->ReadHclReport();
    if (!hcl.ok()) return fail(hcl.error(), "HCL report");
    auto key = f.client->tpm().CreateEphemeralKey();
    if (!key.ok()) return fail(key.error(), "ephemeral key");
    auto info = InProcessEvidence(f, *hcl, **key);
    if (!info.ok()) return fail(info.error(), "evidence");
    auto t1 = Clock::now();
    mock_maa::ServiceResponse r =
        maa.Handle("POST", kAzureGuestTarget, maa::EncodeAzureGuestRequest(*info));
    if (r.status != 200) return fail(Internal(r.body), "MAA");
    auto t2 = Clock::now();
    auto sealed = maa::ParseTokenResponse(r.body);
    if (!sealed.ok()) return fail(sealed.error(), "MAA response");
    auto parsed = maa::ParseSealedToken(*sealed);
    if (!parsed.ok()) return fail(parsed.error(), "sealed token");
    client::EphemeralKey* k = key->get();
    auto jwt = maa::OpenSealedJwt(
        *parsed, [k](ByteView inner) { return k->Decrypt(tpm::RsaDecryptScheme::kRsaes, inner); });
    if (!jwt.ok()) return fail(jwt.error(), "unseal");
    auto t3 = Clock::now();
    const int64_t now = f.stack->Now();
    auto bearer = f.entra->Sign(f.entra->Claims(f.identity, "https://vault.azure.net", now, 86399));
    if (!bearer.ok()) return fail(bearer.error(), "Entra token");
    auto body = InProcessRelease(
        f, "Bearer " + *bearer,
        kv::EncodeReleaseRequest({*jwt, std::nullopt, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256}),
        now);
    if (!body.ok()) return fail(body.error(), "vault release");
    auto t4 = Clock::now();
    auto material = ClientUnwrap(*body, **key);
    if (!material.ok()) return fail(material.error(), "unwrap");
    if (*material != f.vault.material) return fail(Internal("released key differs"), "unwrap");
    auto t5 = Clock::now();
    evidence += Ms(t0, t1);
    maa_ms += Ms(t1, t2);
    unseal += Ms(t2, t3);
    vault += Ms(t3, t4);
    unwrap += Ms(t4, t5);
    ++n;
  }
  if (n > 0) {
    state.counters["evidence_ms"] = evidence / n;
    state.counters["maa_ms"] = maa_ms / n;
    state.counters["unseal_ms"] = unseal / n;
    state.counters["attest_ms"] = (evidence + maa_ms + unseal) / n;
    state.counters["vault_ms"] = vault / n;
    state.counters["unwrap_ms"] = unwrap / n;
    state.counters["release_ms"] = (vault + unwrap) / n;
  }
}

void BM_EndToEnd_InProcess_SevSnpAzureGuestRelease(benchmark::State& state) {
  RunInProcessFlow(state, emulator::cvm::CvmKind::kSnpMilan);
}
BENCHMARK(BM_EndToEnd_InProcess_SevSnpAzureGuestRelease)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(15);

void BM_EndToEnd_InProcess_TdxAzureGuestRelease(benchmark::State& state) {
  RunInProcessFlow(state, emulator::cvm::CvmKind::kTdx);
}
BENCHMARK(BM_EndToEnd_InProcess_TdxAzureGuestRelease)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(15);

}  // namespace
}  // namespace skr::bench
