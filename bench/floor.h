// Each stage benchmark reports, next to its own time, the cost of the cryptographic and TPM
// operations it cannot avoid ("the floor"), measured in the same process and run, and the ratio of
// the two. A ratio near 1 means the stage is as fast as its primitives allow; the rest is overhead
// (parsing, JSON, copies, HTTP, locking).
#ifndef SKR_BENCH_FLOOR_H_
#define SKR_BENCH_FLOOR_H_

#include <benchmark/benchmark.h>

#include <chrono>
#include <functional>
#include <string>

namespace skr::bench {

// Mean wall time of `op` in microseconds over `iterations` runs after `warmup` runs.
inline double MeasureMicros(const std::function<void()>& op, int iterations = 50, int warmup = 3) {
  for (int i = 0; i < warmup; ++i) op();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) op();
  const auto end = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(end - start).count() / iterations;
}

// Runs the stage loop, timing it itself, and sets the counters stage_us, floor_us and
// x_floor (stage / floor). `floor` is measured right before the loop.
inline void RunAgainstFloor(benchmark::State& state, const std::function<void()>& stage,
                            const std::function<void()>& floor, int floor_iterations = 50) {
  const double floor_us = MeasureMicros(floor, floor_iterations);
  const auto start = std::chrono::steady_clock::now();
  int64_t n = 0;
  for (auto _ : state) {
    stage();
    ++n;
  }
  const double stage_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(n == 0 ? 1 : n);
  state.counters["stage_us"] = stage_us;
  state.counters["floor_us"] = floor_us;
  state.counters["x_floor"] = floor_us > 0 ? stage_us / floor_us : 0;
}

}  // namespace skr::bench

#endif  // SKR_BENCH_FLOOR_H_
