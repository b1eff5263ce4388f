#!/usr/bin/env python3
"""sckd beside what a user would otherwise run: an FFmpeg filter chain for night video, and PyTorch
and ONNX Runtime on the same network weights. One command, one run, one machine.

    python3 Benchmarks/compare.py [--clip VIDEO] [--threads 2] [--out Benchmarks/compare.md]
    python3 Benchmarks/compare.py --quality-only [--split scenes]     (the quality table only, to stdout)

Quality: PSNR / SSIM / GT-mean PSNR (../shared/tools/iqa.py definitions, via `sckd eval`) on a
LOL-v1 validation split (Training/data.py SPLITS, pairs from ../shared/datasets/lol-v1-train): the
one the shipped weights held out.
Speed: end-to-end fps on a 1280x720 clip (default: ../shared/videos/city-night-1080p.mp4 scaled),
x264 veryfast CRF 18 in every case, 2 cores shared by everything.
Rows: the input itself; an FFmpeg chain (curves brightening + hqdn3d denoise); sckd classic;
sckd ldfc-net / ldfc-net-rt when trained weights are installed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCKD = ROOT / ".build" / "release" / "sckd"
# What a user types to brighten night video with FFmpeg: lift the tone curve, then denoise.
# The validation split the shipped students' training runs held out (Training/data.py SPLITS).
SHIPPED_SPLIT = "scenes"
FFMPEG_CHAIN = "curves=all='0/0 0.05/0.30 0.2/0.6 1/1',hqdn3d=4:3:6:4.5"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def eval_line(low, high, model):
    out = run([str(SCKD), "eval", "--low", str(low), "--high", str(high), "--model", model]).stdout
    m = re.search(r"PSNR=([\d.]+|inf) SSIM=([\d.]+) PSNR_GTmean=([\d.]+)", out)
    return tuple(float(x) for x in m.groups())


def ffmpeg_quality(low, high, tmp):
    out = Path(tmp) / "ffmpeg-out"
    out.mkdir()
    for f in sorted(low.iterdir()):
        run(["ffmpeg", "-v", "error", "-y", "-i", str(f), "-vf", FFMPEG_CHAIN, str(out / (f.stem + ".png"))])
    iqa = run([sys.executable, str(SHARED / "tools" / "iqa.py"), str(out), str(high)]).stdout
    m = re.search(r"PSNR=([\d.]+) SSIM=([\d.]+) PSNR_GTmean=([\d.]+)", iqa)
    return tuple(float(x) for x in m.groups())


def fps_of(cmd, frames):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return frames / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", help="a 1280x720 clip (default: the shared city clip, scaled)")
    ap.add_argument("--out", default=str(ROOT / "Benchmarks" / "compare.md"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--split", default=SHIPPED_SPLIT, choices=["names", "scenes"],
                    help="validation pictures: Training/val_split.txt or val_scenes.txt (default: %(default)s, what the shipped weights held out)")
    ap.add_argument("--quality-only", action="store_true", help="print the quality table only (no timing, nothing written)")
    args = ap.parse_args()
    if not SCKD.exists():
        sys.exit("compare.py: build first: swift build -c release")
    data = SHARED / "datasets" / "lol-v1-train"
    if not data.exists():
        sys.exit(f"compare.py: {data} is absent: the validation split lives there")
    sys.path.insert(0, str(ROOT / "Training"))
    import data as lol
    names = lol.read_list(lol.SPLITS[args.split])
    with tempfile.TemporaryDirectory() as tmp:
        low, high = Path(tmp) / "low", Path(tmp) / "high"
        low.mkdir(), high.mkdir()
        for n in names:
            shutil.copy(data / "low" / f"{n}.webp", low)
            shutil.copy(data / "high" / f"{n}.webp", high)
        # Quality, one row per enhancer (fp32); the full run then adds each one's speed on the clip.
        networks = ("ldfc-net", "ldfc-net-rt")
        quality = [("input (no enhancement)", "none", eval_line(low, high, "none")),
                   (f"FFmpeg `{FFMPEG_CHAIN}`", None, ffmpeg_quality(low, high, tmp)),
                   ("sckd classic", "classic", eval_line(low, high, "classic"))]
        for model in networks:
            trained = args.quality_only or "trained_steps=0" not in run([str(SCKD), "info", "--model", model]).stdout
            quality.append((f"sckd {model}", model, eval_line(low, high, model) if trained else None))
        if args.quality_only:
            print(f"Quality on the {len(names)}-pair validation split {args.split!r} (fp32):\n\n| enhancer | PSNR dB | SSIM | GT-mean PSNR dB |\n| --- | ---: | ---: | ---: |")
            for name, _, q in quality:
                print(f"| {name} | {q[0]:.2f} | {q[1]:.4f} | {q[2]:.2f} |")
            return
        clip = args.clip
        if not clip:
            clip = str(Path(tmp) / "city720.mp4")
            run(["ffmpeg", "-v", "error", "-y", "-i", str(SHARED / "videos" / "city-night-1080p.mp4"), "-vf", "scale=1280:720",
                 "-c:v", "libx264", "-crf", "16", "-an", clip])
        frames = int(run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", clip]).stdout.strip())
        out = str(Path(tmp) / "o.mp4")
        rows = []
        for name, model, q in quality:
            if q is None:  # untrained weights installed
                rows.append((name, None, None))
            elif model is None:
                rows.append((name, q, fps_of(["ffmpeg", "-v", "error", "-y", "-i", clip, "-vf", FFMPEG_CHAIN, "-c:v", "libx264",
                                              "-preset", "veryfast", "-crf", "18", out], frames)))
            else:
                bf16 = ["--precision", "bf16"] if model in networks else []
                rows.append((name + (" (bf16)" if bf16 else ""), q,
                             fps_of([str(SCKD), "enhance", clip, "-o", out, "-y", "--quiet", "--model", model, *bf16], frames)))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    text = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}); "
            f"quality on the {len(names)}-pair validation split ({args.split!r}), speed on a {frames}-frame 1280x720 clip "
            f"(x264 veryfast CRF 18).", "Command: `python3 Benchmarks/compare.py`", "",
            "| enhancer | PSNR dB | SSIM | GT-mean PSNR dB | 1280x720 fps |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, q, f in rows:
        if q is None:
            text.append(f"| {name} | not trained yet | | | |")
        else:
            text.append(f"| {name} | {q[0]:.2f} | {q[1]:.4f} | {q[2]:.2f} | {f:.1f} |")
    # The network engine beside PyTorch and ONNX Runtime, same weights, same threads, same run.
    sys.argv = [sys.argv[0], "--threads", str(args.threads), "--runs", str(args.runs)]
    sys.path.insert(0, str(ROOT / "Benchmarks"))
    import compare_engines
    import contextlib
    import io
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        compare_engines.main()
    text += ["", "Network engines (" + buffer.getvalue().strip().split("\n", 2)[0] + "):", ""]
    text += buffer.getvalue().strip().split("\n")[3:]
    Path(args.out).write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
