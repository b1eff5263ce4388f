#!/usr/bin/env python3
"""The same LDFC-Net weights through sckd's oneDNN engine, PyTorch (eager) and ONNX Runtime, in one
run on this machine, with the same number of threads.

    python3 Benchmarks/compare_engines.py [--threads 2] [--runs 10] [--model ldfc-net-rt] [--out FILE.md]

Each peer gets its best settings: warm-up runs, inference mode, channels_last for PyTorch,
glibc malloc thresholds that stop large-tensor mmap churn (MALLOC_MMAP_THRESHOLD_ / TRIM, set for
the whole process before torch loads), ONNX Runtime with all graph optimisations. Times are
medians of --runs full-frame runs (phase A + phase B) after warm-up. sckd's numbers come from
`sckd bench --json` (release build) run in between, which also measures the machine's
convolution ceiling. Needs: torch (CPU), onnx, onnxruntime.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Must be set before the allocator first sees a large block (i.e. before torch is imported).
os.environ.setdefault("MALLOC_MMAP_THRESHOLD_", str(1 << 30))
os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", str(1 << 30))

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Training"))

SIZES = [(640, 480), (1280, 720), (1920, 1080)]


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def time_torch(model, w, h, runs, threads):
    import torch
    torch.set_num_threads(threads)
    x = (torch.rand(1, 3, h, w) * 0.3).contiguous(memory_format=torch.channels_last)
    m = model.to(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(2):
            m(x)
        t = []
        for _ in range(runs):
            t0 = time.perf_counter()
            m(x)
            t.append((time.perf_counter() - t0) * 1e3)
    return median(t)


def time_ort(model, w, h, runs, threads, tmp):
    import onnxruntime as ort
    import torch
    path = Path(tmp) / f"m-{w}x{h}.onnx"
    x = torch.rand(1, 3, h, w) * 0.3
    torch.onnx.export(model, (x,), str(path), input_names=["x"], output_names=["y"], opset_version=17, dynamo=False)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    feed = {"x": x.numpy()}
    for _ in range(2):
        sess.run(None, feed)
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sess.run(None, feed)
        t.append((time.perf_counter() - t0) * 1e3)
    return median(t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--model", action="append", help="ldfc-net and/or ldfc-net-rt (default both)")
    ap.add_argument("--out", help="also write the Markdown table here")
    args = ap.parse_args()
    models = args.model or ["ldfc-net-rt", "ldfc-net"]
    sckd = ROOT / ".build" / "release" / "sckd"
    if not sckd.exists():
        sys.exit("compare_engines.py: build first: swift build -c release")
    from export import load_student
    import torch

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), {args.threads} threads, "
             f"median of {args.runs} runs after warm-up; torch {torch.__version__}.",
             f"Command: `python3 Benchmarks/compare_engines.py --threads {args.threads} --runs {args.runs}`", "",
             "| model | size | sckd ms | PyTorch ms | ONNX Runtime ms | vs PyTorch | vs ORT | sckd % of conv ceiling |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in models:
            net = load_student(ROOT / "Weights" / f"{name}.safetensors")
            sizes = [f"{w}x{h}" for w, h in SIZES]
            js = Path(tmp) / f"{name}.json"
            cmd = [str(sckd), "bench", "--network-only", "--model", name, "--weights", str(ROOT / "Weights"),
                   "--threads", str(args.threads), "--runs", str(args.runs), "--json", str(js)] + sum((["--size", s] for s in sizes), [])
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            ours = {r["clip"]: r for r in json.load(open(js))["results"]}
            for w, h in SIZES:
                key = f"{w}x{h}"
                pt = time_torch(net, w, h, args.runs, args.threads)
                ox = time_ort(net, w, h, args.runs, args.threads, tmp)
                s = ours[key]["network_ms"]
                lines.append(f"| {name} | {key} | {s:.1f} | {pt:.1f} | {ox:.1f} | {pt / s:.2f}x | {ox / s:.2f}x | "
                             f"{100 * ours[key]['ceiling_fraction']:.0f} % |")
                print(lines[-1], file=sys.stderr, flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
