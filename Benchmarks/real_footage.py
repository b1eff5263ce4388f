#!/usr/bin/env python3
"""How `sckd` treats real footage: flicker, brightness, highlights and noise, and pictures to look at.

    python3 Benchmarks/real_footage.py clip CLIP... [--model M] [--width W] [--frames N] [--out DIR] [--json F] [-- SCKD ARGS]
    python3 Benchmarks/real_footage.py synth [--model M] [--out DIR] [--json F]
    python3 Benchmarks/real_footage.py stills DIR [--model M] [--out DIR] [--json F] [-- SCKD ARGS]

clip: each clip is enhanced twice, with the default temporal smoothing and per-frame
(`--temporal-smoothing 0`); for the input and both outputs it reports the flicker (standard
deviation of the frame-to-frame change of mean luma, in 8-bit levels), the adjacent-frame jumps of
more than 3 levels, the mean luma, the fraction of clipped pixels (luma >= 250) and the noise sigma
(Immerkaer's estimate on the luma, in levels), and for the outputs how much the shadows (input luma
< 32) and the already visible mid-tones (48 to 127) are brightened, over three frames; it writes a
plot of mean luma per frame and a montage (input | per-frame | smoothed at three moments) under --out.
synth: makes clips with real motion from the bundled stills (a hand-held walk with pans, zoom and
shake, a person-sized object crossing, a street light switched on, all H.264 at a night camera's
bitrate with sensor noise; the walk also with its auto-exposure hunting by +-12 %) and measures
them as `clip` does.
stills: enhances a folder of pictures and reports each one's clipped fraction in and out and how
much the pictures whose mean luma is already >= 100 are brightened (mean out / mean in).

Luma is Rec. 601 on 8-bit RGB, as the metrics use. Needs numpy, pillow, ffmpeg and the release
build (swift build -c release).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SCKD = Path(os.environ.get("SCKD_BIN", ROOT / ".build" / "release" / "sckd"))
sys.path.insert(0, str(ROOT / "Samples"))
from make_samples import capture_linear, srgb_to_linear  # noqa: E402  (the bundled clip's sensor model)

JUMP = 3.0      # levels: an adjacent-frame change of mean luma a viewer sees as a pump
CLIPPED = 250   # luma at or above which a pixel is white
BRIGHT = 100    # mean luma from which a picture counts as already well exposed
SHADOWS = (0, 32)     # input luma of what a viewer cannot make out at night: to be lifted
MIDTONES = (48, 128)  # input luma of what is already visible (a city's night sky): to be kept


def luma(rgb):
    f = rgb.astype(np.float32)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


def tone_lifts(inputs, outputs):
    """How much the shadows and the mid-tones were brightened (mean output luma / mean input luma
    over the pixels whose input falls in `SHADOWS` / `MIDTONES`), over pairs of frames; None where
    no pixel falls in the band. Night turned to haze is a mid-tone lift close to the shadows'."""
    yi = np.concatenate([luma(f).ravel() for f in inputs])
    yo = np.concatenate([luma(f).ravel() for f in outputs])
    lifts = {}
    for key, (lo, hi) in (("shadow_lift", SHADOWS), ("midtone_lift", MIDTONES)):
        band = (yi >= lo) & (yi < hi)
        lifts[key] = round(float(yo[band].mean() / max(yi[band].mean(), 1e-6)), 3) if band.any() else None
    return lifts


def noise_sigma(y):
    """Immerkaer (1996): sigma of white Gaussian noise from the image's response to a Laplacian
    difference mask, which cancels smooth structure."""
    k = y[:-2, :-2] - 2 * y[:-2, 1:-1] + y[:-2, 2:] - 2 * y[1:-1, :-2] + 4 * y[1:-1, 1:-1] - 2 * y[1:-1, 2:] \
        + y[2:, :-2] - 2 * y[2:, 1:-1] + y[2:, 2:]
    h, w = y.shape
    return float(np.sqrt(np.pi / 2) / (6 * (w - 2) * (h - 2)) * np.abs(k).sum())


def probe_size(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    w, h = (int(v) for v in out.strip().split(",")[:2])
    return w, h


def frames_of(path, width=None, limit=None):
    """Decoded RGB frames, one at a time (optionally scaled to `width`, at most `limit`)."""
    w, h = probe_size(path)
    vf = []
    if width and width < w:
        h = round(h * width / w / 2) * 2
        w = width
        vf = ["-vf", f"scale={w}:{h}:flags=area"]
    cmd = ["ffmpeg", "-v", "error", "-i", str(path), *vf, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    n = 0
    try:
        while limit is None or n < limit:
            buf = p.stdout.read(w * h * 3)
            if len(buf) < w * h * 3:
                break
            n += 1
            yield np.frombuffer(buf, np.uint8).reshape(h, w, 3)
    finally:
        p.stdout.close()
        p.kill()
        p.wait()


class Track:
    """Per-frame statistics of one stream of frames, and a few frames kept for the montage."""

    def __init__(self, keep):
        self.means, self.clipped, self.noise, self.kept, self.keep = [], [], [], {}, keep

    def add(self, i, rgb):
        y = luma(rgb)
        self.means.append(float(y.mean()))
        self.clipped.append(float((y >= CLIPPED).mean()))
        if i % 10 == 0:
            self.noise.append(noise_sigma(y))
        if i in self.keep:
            self.kept[i] = rgb

    def summary(self):
        m = np.array(self.means)
        d = np.diff(m)
        return {"frames": len(m), "flicker": round(float(d.std()), 4) if len(d) > 1 else 0.0,
                "jumps": int((np.abs(d) > JUMP).sum()), "max_jump": round(float(np.abs(d).max()), 2) if len(d) else 0.0,
                "mean_luma": round(float(m.mean()), 2), "clipped": round(float(np.mean(self.clipped)), 5),
                "noise_sigma": round(float(np.median(self.noise)), 3)}


def enhance(src, dst, model, smoothing, extra):
    cmd = [str(SCKD), "enhance", str(src), "-o", str(dst), "-y", "--quiet", "--codec", "ffv1", "--no-audio",
           "--temporal-smoothing", str(smoothing), *(["--model", model] if model else []), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"real_footage.py: sckd enhance {src} failed: {r.stderr.strip()}")


def plot(series, path, title):
    """Mean luma per frame, one line per stream, as a PNG (no plotting library needed)."""
    W, H, pad = 900, 320, 40
    colours = {"input": (140, 140, 140), "per-frame": (40, 110, 220), "smoothed": (220, 60, 40)}
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    allv = np.concatenate([np.array(v) for v in series.values()])
    lo, hi = float(allv.min()) - 2, float(allv.max()) + 2
    n = max(len(v) for v in series.values())
    xy = lambda i, v: (pad + i * (W - 2 * pad) / max(1, n - 1), H - pad - (v - lo) * (H - 2 * pad) / max(hi - lo, 1e-6))
    d.rectangle([pad, pad, W - pad, H - pad], outline=(200, 200, 200))
    for k, v in series.items():
        d.line([xy(i, val) for i, val in enumerate(v)], fill=colours.get(k, (0, 0, 0)), width=2)
    d.text((pad, 8), f"{title}: mean luma per frame ({lo:.0f}-{hi:.0f})", fill=(0, 0, 0))
    x = W - 260
    for k in series:
        d.text((x, 8), k, fill=colours.get(k, (0, 0, 0)))
        x += 80
    img.save(path)


def montage(rows, path, width=320):
    """rows: lists of RGB frames; each row side by side, rows stacked, each frame scaled to `width`."""
    tiles = [[Image.fromarray(f).resize((width, round(f.shape[0] * width / f.shape[1])), Image.BILINEAR) for f in r]
             for r in rows]
    h = sum(r[0].height for r in tiles)
    img = Image.new("RGB", (width * max(len(r) for r in tiles), h), "black")
    y = 0
    for r in tiles:
        for j, t in enumerate(r):
            img.paste(t, (j * width, y))
        y += r[0].height
    img.save(path)


def measure_clip(src, model, out, extra, width=None, limit=None, smoothing=0.8):
    """The `clip` figures of one clip, with its plot and montage under `out`."""
    name = Path(src).stem
    n = sum(1 for _ in frames_of(src, 64, limit))
    keep = {0, n // 2, max(0, n - 1)}
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(src)
        if width or limit:  # measure what sckd sees: scale / cut the clip first (lossless)
            w, h = probe_size(src)
            vf = ["-vf", f"scale={width}:-2:flags=area"] if width and width < w else []
            clip = Path(tmp) / f"{name}-in.mkv"
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), *vf, *(["-frames:v", str(limit)] if limit else []),
                            "-an", "-c:v", "ffv1", str(clip)], check=True)
        tracks = {"input": Track(keep), "per-frame": Track(keep), "smoothed": Track(keep)}
        outputs = {"per-frame": Path(tmp) / "per-frame.mkv", "smoothed": Path(tmp) / "smoothed.mkv"}
        enhance(clip, outputs["per-frame"], model, 0, extra)
        enhance(clip, outputs["smoothed"], model, smoothing, extra)
        for key, path in [("input", clip), *outputs.items()]:
            for i, f in enumerate(frames_of(path)):
                tracks[key].add(i, f)
    result = {k: t.summary() for k, t in tracks.items()}
    kept = sorted(keep)
    for key in outputs:
        result[key].update(tone_lifts([tracks["input"].kept[i] for i in kept], [tracks[key].kept[i] for i in kept]))
    pf, sm = result["per-frame"]["flicker"], result["smoothed"]["flicker"]
    result["smoothed_vs_per_frame"] = round(sm / pf, 3) if pf else None
    out.mkdir(parents=True, exist_ok=True)
    plot({k: t.means for k, t in tracks.items()}, out / f"{name}-luma.png", name)
    montage([[tracks[k].kept[i] for k in tracks] for i in sorted(keep)], out / f"{name}-montage.png")
    return result


def measure_stills(folder, model, out, extra):
    src = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".webp", ".bmp"})
    if not src:
        sys.exit(f"real_footage.py: no pictures in {folder}")
    rows, pairs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for p in src:
            dst = Path(tmp) / f"{p.stem}.png"
            r = subprocess.run([str(SCKD), "image", str(p), "-o", str(dst), "-y", *(["--model", model] if model else []), *extra],
                               capture_output=True, text=True)
            if r.returncode:
                sys.exit(f"real_footage.py: sckd image {p} failed: {r.stderr.strip()}")
            a = np.asarray(Image.open(p).convert("RGB"))
            b = np.asarray(Image.open(dst).convert("RGB"))
            ya, yb = luma(a), luma(b)
            rows.append({"picture": p.name, "mean_in": round(float(ya.mean()), 2), "mean_out": round(float(yb.mean()), 2),
                         "clipped_in": round(float((ya >= CLIPPED).mean()), 5), "clipped_out": round(float((yb >= CLIPPED).mean()), 5)})
            pairs.append([a, b])
    bright = [r["mean_out"] / r["mean_in"] for r in rows if r["mean_in"] >= BRIGHT]
    out.mkdir(parents=True, exist_ok=True)
    montage(pairs[:12], out / "stills-montage.png", width=360)
    return {"pictures": rows,
            "clipped_in": round(float(np.mean([r["clipped_in"] for r in rows])), 5),
            "clipped_out": round(float(np.mean([r["clipped_out"] for r in rows])), 5),
            "bright_pictures": len(bright),
            "bright_brightening": round(float(np.mean(bright)), 3) if bright else None}


# ------------------------------------------------------------------------------------------------
# Synthetic clips with real motion, recorded the way a small night camera would.

def _camera_path(n, rng, W, H, w, h, shake=3.0):
    """A hand-held walk: a slow pan and zoom with a random-walk shake, as (x0, y0, scale) per frame."""
    pos = np.cumsum(rng.normal(0, shake, (n, 2)), axis=0) * 0.5
    pos -= pos.mean(0)
    for i in range(n):
        t = i / max(1, n - 1)
        s = 1.0 - 0.2 * np.sin(np.pi * t)
        cw, ch = w * s, h * s
        x0 = (W - cw) * (0.2 + 0.6 * t) + pos[i, 0]
        y0 = (H - ch) * 0.5 + pos[i, 1]
        yield float(np.clip(x0, 0, W - cw)), float(np.clip(y0, 0, H - ch)), cw, ch


def _record(frames_linear, path, fps=30, bitrate="600k", exposure=1 / 25, rng=None):
    """Linear-light frames -> sensor noise, 8-bit sRGB, H.264 at a night camera's bitrate."""
    h, w = frames_linear[0].shape[:2]
    p = subprocess.Popen(["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(fps),
                          "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-b:v", bitrate, "-pix_fmt", "yuv420p", str(path)],
                         stdin=subprocess.PIPE)
    for lin in frames_linear:
        p.stdin.write(capture_linear(lin, exposure, rng).tobytes())
    p.stdin.close()
    if p.wait():
        sys.exit(f"real_footage.py: ffmpeg failed writing {path}")


def synth_clips(folder, n=120, size=(480, 320)):
    """Four clips under `folder` (walk, walk-hunting, crossing, light-on), deterministic."""
    rng = np.random.default_rng(20)
    folder.mkdir(parents=True, exist_ok=True)
    w, h = size
    stills = {k: srgb_to_linear(np.asarray(Image.open(ROOT / "Samples" / f"{k}-gt.png").convert("RGB")) / 255.0)
              for k in ("chelsea", "rocket")}
    clips = {}

    def view(lin, box):
        x0, y0, cw, ch = box
        chans = [np.asarray(Image.fromarray(lin[..., c].astype(np.float32), mode="F").resize((w, h), Image.BILINEAR,
                                                                                           box=(x0, y0, x0 + cw, y0 + ch)))
                 for c in range(3)]
        return np.stack(chans, -1)

    base = stills["rocket"]
    Hs, Ws = base.shape[:2]
    walk = [view(base, b) for b in _camera_path(n, rng, Ws, Hs, min(Ws, Hs * w / h) * 0.7, min(Hs, Ws * h / w) * 0.7)]
    clips["walk"] = walk
    hunting = rng.uniform(0.88, 1.12, n)  # the same walk with the camera's auto-exposure hunting
    clips["walk-hunting"] = [f * k for f, k in zip(walk, hunting)]

    scene = view(stills["chelsea"], (0, 0, stills["chelsea"].shape[1], stills["chelsea"].shape[0]))
    crossing = []
    for i in range(n):
        f = scene.copy()
        x = int(-80 + (w + 160) * i / (n - 1))
        f[h // 4: h - 10, max(0, x): max(0, min(w, x + 70))] = np.array([0.35, 0.3, 0.25])  # a lit person crossing
        crossing.append(f)
    clips["crossing"] = crossing

    lighton = []
    yy, xx = np.mgrid[0:h, 0:w]
    lamp = np.exp(-((xx - w * 0.7) ** 2 + (yy - h * 0.3) ** 2) / (2 * 60.0 ** 2))[..., None]
    for i in range(n):
        f = scene * 0.6 + (lamp * np.array([1.6, 1.3, 0.8]) * 3.0 if i >= n // 2 else 0)
        lighton.append(f)
    clips["light-on"] = lighton

    paths = []
    for name, frames in clips.items():
        path = folder / f"synth-{name}.mp4"
        _record(frames, path, rng=rng)
        paths.append(path)
    return paths


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["clip", "synth", "stills"])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--model", help="sckd's --model (default: sckd's own default for files)")
    ap.add_argument("--smoothing", type=float, default=0.8, help="the smoothed run's --temporal-smoothing")
    ap.add_argument("--width", type=int, help="scale clips to this width first (faster)")
    ap.add_argument("--frames", type=int, help="at most this many frames of each clip")
    ap.add_argument("--out", default=str(ROOT / "out" / "real-footage"))
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args(argv)
    if not SCKD.exists():
        sys.exit(f"real_footage.py: no {SCKD}: build first (swift build -c release) or set SCKD_BIN")
    out = Path(args.out)
    results = {}
    if args.what == "stills":
        if len(args.paths) != 1:
            sys.exit("real_footage.py: stills takes one folder")
        results[args.paths[0]] = measure_stills(args.paths[0], args.model, out, extra)
    else:
        paths = synth_clips(out / "clips") if args.what == "synth" else args.paths
        if not paths:
            sys.exit("real_footage.py: clip needs at least one video")
        for p in paths:
            results[str(p)] = measure_clip(p, args.model, out, extra, args.width, args.frames, args.smoothing)
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    print(f"plots and montages: {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
