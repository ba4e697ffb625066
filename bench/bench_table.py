#!/usr/bin/env python3
"""Markdown tables for BENCHMARKS.md from skr_bench's JSON (build-bench/bench.json).

Usage: bench/bench_table.py build-bench/bench.json [more.json ...] [--merge OUT.json]
Several files (runs split into groups) are read as one; --merge also writes them as one JSON.
With --benchmark_repetitions=N every counter is the median over the N runs (min and max of
x_floor are shown too, so the spread on a busy machine is visible).
"""
import json
import statistics
import sys
from collections import OrderedDict


def load(paths):
    data = None
    for path in paths:
        with open(path) as f:
            d = json.load(f)
        if data is None:
            data = d
        else:
            data["benchmarks"].extend(d["benchmarks"])
    runs = OrderedDict()
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        runs.setdefault(b.get("run_name", b["name"]), []).append(b)
    return data, runs


def med(bs, key):
    vals = [b[key] for b in bs if key in b]
    return statistics.median(vals) if vals else None


def fmt_us(us):
    if us is None:
        return "-"
    if us >= 1000:
        return "%.2f ms" % (us / 1000)
    return "%.1f µs" % us


def main():
    args = sys.argv[1:]
    merge = None
    if "--merge" in args:
        i = args.index("--merge")
        merge = args[i + 1]
        del args[i:i + 2]
    data, runs = load(args)
    if merge:
        with open(merge, "w") as f:
            json.dump(data, f, indent=1)
    ctx = data.get("context", {})
    print("Context: %s, %s CPUs @ %s MHz, load average %s" %
          (ctx.get("date"), ctx.get("num_cpus"), ctx.get("mhz_per_cpu"), ctx.get("load_avg")))
    print()
    print("| benchmark | stage | floor | x floor (median) | x floor min-max | runs | details |")
    print("|---|---|---|---|---|---|---|")
    skip = {"stage_us", "floor_us", "x_floor", "name", "run_name", "run_type", "repetitions",
            "repetition_index", "threads", "iterations", "real_time", "cpu_time", "time_unit",
            "family_index", "per_family_instance_index", "aggregate_name", "aggregate_unit",
            "label", "error_occurred", "error_message"}
    for name, bs in runs.items():
        if "x_floor" not in bs[0]:
            continue
        xs = [b["x_floor"] for b in bs]
        # The run with the median ratio: its stage and floor times, so the three columns agree.
        m = sorted(bs, key=lambda b: b["x_floor"])[(len(bs) - 1) // 2]
        extra = ", ".join("%s=%.1f" % (k, m[k]) for k in m
                          if k not in skip and isinstance(m[k], (int, float)))
        print("| %s | %s | %s | %.2f | %.2f-%.2f | %d | %s |" %
              (name, fmt_us(m["stage_us"]), fmt_us(m["floor_us"]), m["x_floor"], min(xs),
               max(xs), len(bs), extra))
    print()
    print("| other | time per iteration (median) | runs |")
    print("|---|---|---|")
    for name, bs in runs.items():
        if "x_floor" in bs[0] or "req_per_s" in bs[0] or name.startswith("BM_EndToEnd"):
            continue
        print("| %s | %.3f %s | %d |" % (name, med(bs, "real_time"), bs[0].get("time_unit", ""),
                                         len(bs)))
    print()
    print("| end to end | total | counters (ms, median) |")
    print("|---|---|---|")
    for name, bs in runs.items():
        if not name.startswith("BM_EndToEnd"):
            continue
        keys = [k for k in bs[0] if k.endswith("_ms")]
        print("| %s | %.1f %s | %s |" % (name, med(bs, "real_time"), bs[0].get("time_unit", ""),
                                         ", ".join("%s %.1f" % (k, med(bs, k)) for k in keys)))
    print()
    print("| throughput | req/s | p50 ms | p90 ms | p99 ms | requests | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, bs in runs.items():
        if "req_per_s" not in bs[0]:
            continue
        print("| %s | %.1f | %.1f | %.1f | %.1f | %d | %d |" %
              (name, med(bs, "req_per_s"), med(bs, "p50_ms"), med(bs, "p90_ms"),
               med(bs, "p99_ms"), sum(b["requests"] for b in bs), sum(b["errors"] for b in bs)))


if __name__ == "__main__":
    main()
