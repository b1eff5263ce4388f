#!/usr/bin/env python3
"""The roofline of DESIGN §5 (convolution time within 1.5x of MACs / the measured ceiling), over
several runs of `sckd bench --profile`, for a shared machine whose load changes from minute to
minute: each run measures its own ceiling and times every step; this prints each run's ratio and
the median per model and precision.

    python3 Benchmarks/roofline.py [--model ldfc-net-rt] [--size 1280x720] [--repeats 7] [--unfused]

Needs the release build (swift build -c release). What counts as convolution time: every step that
computes a layer of `sckd info`'s table (fused steps count whole, except the elementwise prepare
part of the real-time body input, which the engine times separately).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", help="ldfc-net-rt (default) and/or ldfc-net")
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--runs", type=int, default=20, help="timed runs per step within one bench run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--unfused", action="store_true", help="the primitives-only graph, to compare")
    args = ap.parse_args()
    sckd = ROOT / ".build" / "release" / "sckd"
    if not sckd.exists():
        sys.exit(f"roofline.py: {sckd} is missing: run `swift build -c release` first")
    models = args.model or ["ldfc-net-rt"]
    ratios: dict[tuple[str, str], list[float]] = {}
    network: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            out = Path(tmp) / f"run{r}.json"
            cmd = [str(sckd), "bench", "--network-only", "--profile", "--size", args.size, "--runs", str(args.runs),
                   "--threads", str(args.threads), "--precision", "fp32", "--precision", "bf16", "--json", str(out)]
            for m in models:
                cmd += ["--model", m]
            if args.unfused:
                cmd.append("--unfused")
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"roofline.py: sckd bench failed: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}")
            doc = json.loads(out.read_text())
            line = []
            for row in doc["results"]:
                key = (row["model"], row["precision"])
                ratios.setdefault(key, []).append(row["convolution_ceiling_ratio"])
                network.setdefault(key, []).append(row["network_ms"])
                line.append(f"{key[0]} {key[1]} {row['convolution_ceiling_ratio']:.2f}x ({row['network_ms']:.1f} ms)")
            print(f"run {r + 1}: " + ", ".join(line), file=sys.stderr, flush=True)
    print(f"\n{args.size}, {args.threads} threads, {args.repeats} runs{' (unfused)' if args.unfused else ''}:")
    print("| model | precision | convolution time / (MACs / ceiling), median | range | network ms, median | target |")
    print("| --- | --- | ---: | --- | ---: | --- |")
    for (m, prec), v in ratios.items():
        med = statistics.median(v)
        print(f"| {m} | {prec} | {med:.2f}x | {min(v):.2f}-{max(v):.2f}x | {statistics.median(network[(m, prec)]):.1f} | "
              f"{'met' if med <= 1.5 else 'not met'} (<= 1.5x) |")


if __name__ == "__main__":
    main()
