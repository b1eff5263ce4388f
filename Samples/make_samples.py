#!/usr/bin/env python3
"""Makes the bundled night-time samples from public-domain / CC0 photos shipped by scikit-image.

    pip install scikit-image numpy pillow && python3 Samples/make_samples.py

A slow pan and zoom over a daylight photo is the ground truth; the night clip is what a small
camera sensor would record of the same scene with 20x less light: linear light, exposure / 20 with
a slight frame-to-frame exposure flicker (auto-exposure hunting), Poisson shot noise, Gaussian read
noise, sRGB encoding and 8-bit quantisation. Deterministic (fixed seed).
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
FPS = 25
SECONDS = 8
SIZE = (480, 320)           # output width, height
EXPOSURE = 1 / 20           # light reaching the sensor relative to the daylight shot
FULL_WELL = 3000.0          # electrons at linear value 1.0 in daylight
READ_NOISE = 3.0            # electrons, Gaussian
FLICKER = 0.04              # relative exposure wobble


def srgb_to_linear(v):
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    v = np.clip(v, 0, 1)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def capture_linear(lin, exposure, rng):
    """Linear-light scene -> what the sensor records (8-bit sRGB) with `exposure` of the light."""
    electrons = rng.poisson(lin * exposure * FULL_WELL) + rng.normal(0, READ_NOISE, lin.shape)
    return np.round(linear_to_srgb(electrons / FULL_WELL) * 255).astype(np.uint8)


def night_capture(srgb_u8, exposure, rng):
    """A daylight sRGB uint8 image -> what the sensor records with `exposure` of the light."""
    return capture_linear(srgb_to_linear(srgb_u8.astype(np.float64) / 255.0), exposure, rng)


def pan_zoom_frames(photo, n):
    """n frames of a slow pan (left to right) with a gentle zoom in, resampled to SIZE."""
    img = Image.fromarray(photo)
    H, W = photo.shape[:2]
    aspect = SIZE[0] / SIZE[1]
    for i in range(n):
        t = i / max(1, n - 1)
        s = 1.0 - 0.25 * t                       # window shrinks to 75 %: zoom in
        h = min(H, W / aspect) * s
        w = h * aspect
        x0 = (W - w) * (0.1 + 0.8 * t)           # pan across
        y0 = (H - h) * (0.5 - 0.2 * np.sin(np.pi * t))
        yield np.asarray(img.resize(SIZE, Image.BICUBIC, box=(x0, y0, x0 + w, y0 + h)))


def encode(frames, path, crf, audio):
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{SIZE[0]}x{SIZE[1]}",
           "-r", str(FPS), "-i", "-"]
    if audio:  # quiet brown noise: a stand-in street ambience, so the demo shows audio being copied
        cmd += ["-f", "lavfi", "-i", f"anoisesrc=color=brown:amplitude=0.03:duration={SECONDS}:seed=7",
                "-c:a", "aac", "-b:a", "48k"]
    cmd += ["-c:v", "libx264", "-preset", "slow", "-crf", str(crf), "-pix_fmt", "yuv420p",
            "-colorspace", "bt470bg", "-color_primaries", "bt470bg", "-color_trc", "iec61966-2-1",
            "-color_range", "tv", "-movflags", "+faststart", "-shortest", str(path)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    for f in frames:
        p.stdin.write(f.tobytes())
    p.stdin.close()
    if p.wait() != 0:
        sys.exit(f"ffmpeg failed writing {path}")


def main():
    import skimage.data  # only needed to make the samples; the helpers above are shared
    rng = np.random.default_rng(2026)
    n = FPS * SECONDS
    clean = list(pan_zoom_frames(skimage.data.coffee(), n))
    gains = EXPOSURE * (1 + FLICKER * (0.6 * np.sin(np.arange(n) * 0.9) + 0.4 * rng.uniform(-1, 1, n)))
    dark = [night_capture(f, g, rng) for f, g in zip(clean, gains)]
    encode(clean, HERE / "night-coffee-gt.mp4", crf=18, audio=False)
    encode(dark, HERE / "night-coffee.mp4", crf=16, audio=True)
    for name, photo in (("chelsea", skimage.data.chelsea()), ("rocket", skimage.data.rocket())):
        Image.fromarray(photo).save(HERE / f"{name}-gt.png", optimize=True)
        Image.fromarray(night_capture(photo, EXPOSURE, rng)).save(HERE / f"dark-{name}.png", optimize=True)
    for p in sorted(HERE.glob("*.mp4")) + sorted(HERE.glob("*.png")):
        print(f"{p.name}: {p.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
