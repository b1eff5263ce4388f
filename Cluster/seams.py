#!/usr/bin/env python3
"""Do the joins show? A joined segment-parallel output against a one-run output of the same video.

    python3 Cluster/seams.py MANIFEST JOINED [ONE_RUN] [--window 12] [--min-psnr 45] [--json F]

Both videos are decoded frame by frame (streaming: hours of 1080p fit). Reports:
- frames: both must have the source's frame count (every frame, none twice);
- PSNR per frame (RGB, 8-bit), its minimum overall and within --window frames of each join;
- flicker across each join: the standard deviation of the frame-to-frame change of mean luma in
  the window around the join, against the same in the one-run output at the same place (content
  flickers by itself; a seam adds to it) and against the median over the whole joined video.
Without ONE_RUN only the frame count and the flicker against the median are reported.
Exits 1 when a frame is missing or any frame is below --min-psnr. Needs numpy and ffmpeg.
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Samples"))
from video_psnr import frames as every_frame  # noqa: E402
from video_psnr import probe as probe_size  # noqa: E402


def frames(path, w, h):
    """Every decoded frame once, in order, as float RGB (streaming: hours of 1080p fit)."""
    return every_frame(path, w, h, every_frame_once=True)


def luma(rgb):
    return float((rgb @ np.array([0.299, 0.587, 0.114], np.float32)).mean())


def joins(manifest):
    """Frame indices at which each segment after the first starts in the joined video."""
    counts = [s["frames"] for s in manifest["segments"]]
    return [int(j) for j in np.cumsum(counts)[:-1]], int(sum(counts))


def flicker(means, lo, hi):
    d = np.diff(np.asarray(means[max(0, lo):hi], np.float64))
    return float(d.std()) if len(d) > 1 else 0.0


def measure(manifest_path, joined, one_run=None, window=12):
    with open(manifest_path) as f:
        manifest = json.load(f)
    starts, expected = joins(manifest)
    w, h = probe_size(joined)
    psnrs, means_joined, means_one = [], [], []
    if one_run:
        for a, b in zip(frames(joined, w, h), frames(one_run, w, h)):
            mse = float(((a - b) ** 2).mean())
            psnrs.append(99.0 if mse == 0 else 10 * np.log10(255 ** 2 / mse))
            means_joined.append(luma(a))
            means_one.append(luma(b))
    else:
        means_joined = [luma(a) for a in frames(joined, w, h)]
    n_joined = _count(joined)
    n_one = _count(one_run) if one_run else None
    windows = [flicker(means_joined, i, i + 2 * window) for i in range(0, max(1, len(means_joined) - 2 * window), window)]
    typical = float(np.median(windows)) if windows else 0.0
    seams = []
    for j in starts:
        lo, hi = j - window, j + window
        near = psnrs[max(0, lo):hi]
        seams.append({"frame": j, "min_psnr": float(min(near)) if near else None,
                      "flicker": flicker(means_joined, lo, hi),
                      "one_run_flicker": flicker(means_one, lo, hi) if one_run else None})
    return {"frames_expected": expected, "frames_joined": n_joined, "frames_one_run": n_one,
            "min_psnr": float(min(psnrs)) if psnrs else None,
            "mean_psnr": float(np.mean(psnrs)) if psnrs else None,
            "frames_below_45db": int(sum(p < 45 for p in psnrs)),
            "typical_flicker": typical, "joins": seams}


def _count(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0",
                          "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip().split(",")[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("manifest")
    ap.add_argument("joined")
    ap.add_argument("one_run", nargs="?")
    ap.add_argument("--window", type=int, default=12, help="frames each side of a join")
    ap.add_argument("--min-psnr", type=float, default=45.0)
    ap.add_argument("--json")
    args = ap.parse_args()
    r = measure(args.manifest, args.joined, args.one_run, args.window)
    print(f"frames: {r['frames_joined']} joined, {r['frames_one_run']} in one run, {r['frames_expected']} in the source")
    if args.one_run:
        print(f"PSNR joined vs one run: min {r['min_psnr']:.2f} dB, mean {r['mean_psnr']:.2f} dB, "
              f"{r['frames_below_45db']} frame(s) below 45 dB")
    print(f"flicker (std of frame-to-frame mean-luma change, +-{args.window} frames): typical {r['typical_flicker']:.3f}")
    for s in r["joins"]:
        line = f"  join at frame {s['frame']}: flicker {s['flicker']:.3f}"
        if args.one_run:
            line += f" (one run there: {s['one_run_flicker']:.3f}), min PSNR {s['min_psnr']:.2f} dB"
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    ok = r["frames_joined"] == r["frames_expected"]
    if args.one_run:
        ok = ok and r["frames_one_run"] == r["frames_expected"] and (r["min_psnr"] or 0) >= args.min_psnr
    if not ok:
        print("seams.py: the joined video differs from one run", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
