#!/usr/bin/env python3
"""Flicker and exposure-step settling of `sckd enhance`, per-frame vs temporally smoothed (DESIGN §4).

    python3 Benchmarks/flicker.py [--model classic] [--smoothing 0.8] [--out out/flicker]

Clips are made from a still (Samples/chelsea-gt.png, a static camera) the way a small sensor would
record it at night (linear light, exposure / 20, Poisson shot noise, read noise, 8-bit sRGB):
- jitter: per-frame exposure jitter of +-15 % (auto-exposure hunting), 100 frames;
- step: the exposure doubles at frame 40 (a light switched on), 80 frames;
- pan: a slow pan across the still, for ghosting (a frame of each run is saved side by side);
- noise: the same exposure every frame, sensor noise only: the floor that smoothing can reach.
Flicker = standard deviation of the frame-to-frame change of mean output luma (Rec. 709 on the
8-bit output). Settling = frames after the step until mean luma stays within 5 % of its final level.
Needs numpy, pillow and the release build (swift build -c release).
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SCKD = ROOT / ".build" / "release" / "sckd"
sys.path.insert(0, str(ROOT / "Samples"))
from make_samples import capture_linear as capture, srgb_to_linear  # noqa: E402  (the same sensor model)


def write_clip(frames, path):
    h, w = frames[0].shape[:2]
    p = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", "25",
                          "-i", "-", "-c:v", "ffv1", "-pix_fmt", "yuv444p", str(path)], stdin=subprocess.PIPE)
    for f in frames:
        p.stdin.write(f.tobytes())
    p.stdin.close()
    if p.wait():
        sys.exit(f"ffmpeg failed writing {path}")


def read_clip(path, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


def luma(frames):
    f = frames.astype(np.float64) / 255
    return (0.2126 * f[..., 0] + 0.7152 * f[..., 1] + 0.0722 * f[..., 2]).mean(axis=(1, 2))


def enhance(src, dst, model, smoothing):
    cmd = [str(SCKD), "enhance", str(src), "-o", str(dst), "-y", "--quiet", "--codec", "ffv1", "--model", model,
           "--temporal-smoothing", str(smoothing)]
    subprocess.run(cmd, check=True)


def settle_frames(lum, step_at):
    final = lum[-10:].mean()
    ok = np.abs(lum - final) / final < 0.05
    for i in range(step_at, len(lum)):
        if ok[i:].all():
            return i - step_at
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="classic")
    ap.add_argument("--smoothing", type=float, default=0.8)
    ap.add_argument("--out", default=str(ROOT / "out" / "flicker"))
    args = ap.parse_args()
    if not SCKD.exists():
        sys.exit("flicker.py: build first: swift build -c release")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    still = np.asarray(Image.open(ROOT / "Samples" / "chelsea-gt.png").convert("RGB"))
    h, w = still.shape[:2]
    lin = srgb_to_linear(still / 255.0)
    base = 1 / 20
    clips = {
        "jitter": [capture(lin, base * (1 + rng.uniform(-0.15, 0.15)), rng) for _ in range(100)],
        "step": [capture(lin, base * (2 if i >= 40 else 1), rng) for i in range(80)],
    }
    pan_w = w - 60
    clips["pan"] = [capture(lin[:, i // 2:i // 2 + pan_w], base, rng) for i in range(100)]
    clips["noise"] = [capture(lin, base, rng) for _ in range(100)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, frames in clips.items():
            src = Path(tmp) / f"{name}.mkv"
            write_clip(frames, src)
            fw = frames[0].shape[1]
            runs = {}
            for s in (0.0, args.smoothing):
                dst = Path(tmp) / f"{name}-{s}.mkv"
                enhance(src, dst, args.model, s)
                runs[s] = read_clip(dst, fw, h)
            if name == "noise":
                f0, f1 = (np.diff(luma(runs[s])).std() for s in (0.0, args.smoothing))
                rows.append(f"| static clip without exposure jitter (sensor noise only: the floor) | {f0:.5f} | {f1:.5f} | |")
            elif name == "jitter":
                f0, f1 = (np.diff(luma(runs[s])).std() for s in (0.0, args.smoothing))
                rows.append(f"| flicker (std of frame-to-frame mean-luma change) | {f0:.5f} | {f1:.5f} | {f0 / f1:.1f}x less |")
            elif name == "step":
                s0, s1 = (settle_frames(luma(runs[s]), 40) for s in (0.0, args.smoothing))
                rows.append(f"| frames to settle after a 2x exposure step | {s0} | {s1} | target <= 10 |")
            else:
                a, b = runs[0.0][50].astype(np.float64), runs[args.smoothing][50].astype(np.float64)
                psnr = 10 * np.log10(255 ** 2 / max(np.mean((a - b) ** 2), 1e-9))
                Image.fromarray(np.concatenate([runs[0.0][50], runs[args.smoothing][50]], axis=1)).save(out / "pan-frame50.png")
                rows.append(f"| panning clip, frame 50: smoothed vs per-frame | - | {psnr:.1f} dB | no ghosting if high; "
                            f"`{out / 'pan-frame50.png'}` (left per-frame, right smoothed) |")
    print(f"model {args.model}, temporal smoothing 0 vs {args.smoothing}; "
          f"command: python3 Benchmarks/flicker.py --model {args.model} --smoothing {args.smoothing}\n")
    print("| measure | per-frame | smoothed | |\n| --- | ---: | ---: | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
