#!/usr/bin/env python3
"""Mean per-frame PSNR (RGB, uint8 range, whole frame: DESIGN §4) between two videos.

    python3 Samples/video_psnr.py A.mp4 B.mp4        -> "PSNR 17.32 dB over 200 frames"

Both are decoded by the ffmpeg CLI to rgb24 at A's size; frames are paired in order. Needs numpy.
"""
import json
import subprocess
import sys

import numpy as np


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "json", path], capture_output=True, text=True, check=True).stdout
    s = json.loads(out)["streams"][0]
    return s["width"], s["height"]


def frames(path, w, h, every_frame_once=False):
    """Frames at w x h; with every_frame_once, each decoded frame once whatever the timestamps
    (no frame-rate conversion: nothing duplicated or dropped)."""
    timing = ["-fps_mode", "passthrough"] if every_frame_once else []
    p = subprocess.Popen(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-vf", f"scale={w}:{h}:flags=bicubic,crop={w}:{h}:0:0",
                          *timing, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
    n = w * h * 3
    while True:
        b = p.stdout.read(n)
        if len(b) < n:
            break
        yield np.frombuffer(b, np.uint8).reshape(h, w, 3).astype(np.float64)
    p.wait()


def main():
    a, b = sys.argv[1], sys.argv[2]
    w, h = probe(a)
    wb, hb = probe(b)
    w, h = min(w, wb), min(h, hb)  # an encoder may have padded odd sizes: compare the common picture
    ps = []
    for fa, fb in zip(frames(a, *probe(a)), frames(b, *probe(b))):
        mse = np.mean((fa[:h, :w] - fb[:h, :w]) ** 2)
        ps.append(99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse))
    if not ps:
        sys.exit("no frames to compare")
    print(f"PSNR {np.mean(ps):.2f} dB over {len(ps)} frames")


if __name__ == "__main__":
    main()
