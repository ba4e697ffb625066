#!/bin/bash
# Usage: bench/run_groups.sh [tag]  -> build-bench/g*-<tag>.json; then
#   bench/bench_table.py build-bench/g*-<tag>.json --merge build-bench/bench.json
# Bench run in groups, each in its own process, so one group's load (swtpm processes, server
# threads) does not disturb the next.
cd "$(dirname "$0")/.."
B=build-bench/bin/skr_bench
export TSS2_LOG=all+NONE
tag=${1:-run}
uptime > build-bench/load-$tag.txt
$B --benchmark_filter='BM_Stage_|BM_Transport_' --benchmark_repetitions=3 --benchmark_min_time=0.3 --benchmark_out=build-bench/g1-$tag.json --benchmark_out_format=json > build-bench/g1-$tag.txt 2>&1
uptime >> build-bench/load-$tag.txt
$B --benchmark_filter='BM_Tpm_' --benchmark_repetitions=3 --benchmark_out=build-bench/g2-$tag.json --benchmark_out_format=json > build-bench/g2-$tag.txt 2>&1
uptime >> build-bench/load-$tag.txt
i=0
for b in BM_EndToEnd_SevSnp BM_EndToEnd_TdxAzure BM_EndToEnd_InProcess_SevSnp BM_EndToEnd_InProcess_Tdx; do
  i=$((i+1))
  $B --benchmark_filter="$b" --benchmark_repetitions=3 --benchmark_out=build-bench/g3$i-$tag.json --benchmark_out_format=json > build-bench/g3$i-$tag.txt 2>&1
  uptime >> build-bench/load-$tag.txt
done
SKR_BENCH_LOAD_SECONDS=3 $B --benchmark_filter='BM_Throughput_' --benchmark_repetitions=2 --benchmark_out=build-bench/g4-$tag.json --benchmark_out_format=json > build-bench/g4-$tag.txt 2>&1
uptime >> build-bench/load-$tag.txt
echo done > build-bench/done-$tag
