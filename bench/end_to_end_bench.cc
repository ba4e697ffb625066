// The whole attestation-to-release path over loopback HTTPS on the emulated stack: the guest
// client attests (AzureGuest: vTPM evidence, IMDS, MAA, unsealing in the vTPM) and releases a key
// from mock-kv (bearer token from IMDS, policy, key_hsm, unwrap in the vTPM). Counters split the
// time into attestation and release; the per-stage floors are in stages_bench.cc.
#include <benchmark/benchmark.h>

#include <chrono>

#include "conformance/harness/stack.h"

namespace skr::bench {
namespace {

struct Flow {
  std::unique_ptr<harness::EmulatedStack> stack;
  std::string kid;
};

Flow* StartFlow(emulator::cvm::CvmKind kind) {
  auto* f = new Flow();
  harness::StackOptions so;
  so.seed = 11;
  emulator::cvm::CvmOptions cvm;
  cvm.kind = kind;
  so.cvms = {cvm};
  auto s = harness::EmulatedStack::Start(std::move(so));
  if (!s.ok()) {
    std::fprintf(stderr, "stack: %s\n", s.error().ToString().c_str());
    std::abort();
  }
  f->stack = std::move(s).value();
  const std::string isolation = emulator::cvm::IsSnp(kind) ? "sevsnpvm" : "tdxvm";
  auto key = f->stack->CreateExportableKey("bench-key", "RSA-HSM", 2048,
                                           f->stack->ReleasePolicyFor(isolation));
  if (!key.ok()) std::abort();
  f->kid = key->kid;
  return f;
}

void RunFlow(benchmark::State& state, Flow& f) {
  auto client = client::SkrClient::Create(f.stack->ClientOptions(f.stack->cvm(0)));
  if (!client.ok()) {
    state.SkipWithError(client.error().ToString().c_str());
    return;
  }
  double attest_ms = 0, release_ms = 0;
  int64_t n = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto a = (*client)->Attest({});
    auto t1 = std::chrono::steady_clock::now();
    if (!a.ok()) {
      state.SkipWithError(a.error().ToString().c_str());
      return;
    }
    auto k = (*client)->ReleaseKey(*a, f.kid, kv::KeyWrapAlgorithm::kRsaAesKeyWrap256);
    auto t2 = std::chrono::steady_clock::now();
    if (!k.ok()) {
      state.SkipWithError(k.error().ToString().c_str());
      return;
    }
    attest_ms += std::chrono::duration<double, std::milli>(t1 - t0).count();
    release_ms += std::chrono::duration<double, std::milli>(t2 - t1).count();
    ++n;
  }
  if (n > 0) {
    state.counters["attest_ms"] = attest_ms / n;
    state.counters["release_ms"] = release_ms / n;
  }
}

void BM_EndToEnd_SevSnpAzureGuestRelease(benchmark::State& state) {
  static Flow* f = StartFlow(emulator::cvm::CvmKind::kSnpMilan);
  RunFlow(state, *f);
}
BENCHMARK(BM_EndToEnd_SevSnpAzureGuestRelease)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_EndToEnd_TdxAzureGuestRelease(benchmark::State& state) {
  static Flow* f = StartFlow(emulator::cvm::CvmKind::kTdx);
  RunFlow(state, *f);
}
BENCHMARK(BM_EndToEnd_TdxAzureGuestRelease)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace skr::bench
