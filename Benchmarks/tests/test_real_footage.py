"""The real-footage benchmark on short synthetic clips, with the classic enhancer (no weights needed)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
for build in ("release", "debug"):
    if "SCKD_BIN" not in os.environ and (ROOT / ".build" / build / "sckd").exists():
        os.environ["SCKD_BIN"] = str(ROOT / ".build" / build / "sckd")
sys.path.insert(0, str(ROOT / "Benchmarks"))
import real_footage as rf  # noqa: E402

pytestmark = pytest.mark.skipif(not rf.SCKD.exists(), reason="no sckd build (swift build first)")


def test_noise_sigma_reads_white_noise_and_ignores_a_ramp():
    rng = np.random.default_rng(0)
    ramp = np.tile(np.linspace(0, 200, 320, dtype=np.float32), (240, 1))
    assert rf.noise_sigma(ramp) < 0.05
    assert abs(rf.noise_sigma(ramp + rng.normal(0, 4, ramp.shape).astype(np.float32)) - 4) < 0.3


def test_tone_lifts_are_measured_per_band_of_input_luma():
    inp = np.zeros((4, 8, 3), np.uint8)
    inp[:2] = 16   # shadows
    inp[2:] = 80   # mid-tones
    out = inp.astype(np.int32)
    out[:2] *= 3
    out[2:] = 100
    lifts = rf.tone_lifts([inp], [out.astype(np.uint8)])
    assert lifts == {"shadow_lift": pytest.approx(3, abs=1e-3), "midtone_lift": pytest.approx(1.25, abs=1e-3)}
    assert rf.tone_lifts([inp[2:]], [out[2:].astype(np.uint8)])["shadow_lift"] is None


def test_a_jittered_clip_is_measured_and_smoothing_calms_it(tmp_path):
    rng = np.random.default_rng(1)
    still = rf.srgb_to_linear(np.asarray(Image.open(ROOT / "Samples" / "chelsea-gt.png").convert("RGB").resize((160, 96))) / 255.0)
    frames = [still * rng.uniform(0.8, 1.2) for _ in range(30)]
    clip = tmp_path / "jitter.mp4"
    rf._record(frames, clip, rng=rng, bitrate="800k")
    r = rf.measure_clip(clip, "classic", tmp_path / "out", [])
    assert set(r) == {"input", "per-frame", "smoothed", "smoothed_vs_per_frame"}
    for k in ("input", "per-frame", "smoothed"):
        assert r[k]["frames"] == 30
        assert 0 <= r[k]["clipped"] <= 1 and r[k]["noise_sigma"] > 0
    assert r["input"]["flicker"] > 1, "the clip does jitter"
    assert r["smoothed"]["flicker"] < 0.5 * r["per-frame"]["flicker"], r
    assert r["per-frame"]["mean_luma"] > r["input"]["mean_luma"], "the enhancer brightens"
    for k in ("per-frame", "smoothed"):
        assert r[k]["shadow_lift"] > 1.5 and "midtone_lift" in r[k], r[k]
    for png in ("jitter-luma.png", "jitter-montage.png"):
        assert Image.open(tmp_path / "out" / png).size[0] > 100


def test_stills_report_clipping_and_the_brightening_of_bright_pictures(tmp_path):
    d = tmp_path / "stills"
    d.mkdir()
    bright = np.full((64, 96, 3), 150, np.uint8)
    bright[:8] = 255
    Image.fromarray(bright).save(d / "bright.png")
    Image.fromarray(np.full((64, 96, 3), 20, np.uint8)).save(d / "dark.png")
    out = subprocess.run([sys.executable, str(ROOT / "Benchmarks" / "real_footage.py"), "stills", str(d), "--model", "classic",
                          "--out", str(tmp_path / "o")], capture_output=True, text=True, check=True).stdout
    r = json.loads(out)[str(d)]
    rows = {p["picture"]: p for p in r["pictures"]}
    assert rows["bright.png"]["clipped_in"] == pytest.approx(8 / 64, abs=1e-3)
    assert rows["dark.png"]["mean_out"] > rows["dark.png"]["mean_in"]
    assert r["bright_pictures"] == 1 and r["bright_brightening"] == pytest.approx(rows["bright.png"]["mean_out"] / rows["bright.png"]["mean_in"], abs=1e-3)
    assert (tmp_path / "o" / "stills-montage.png").exists()
