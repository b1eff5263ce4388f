import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import evaluate
import export
import iqa
from model import build_student

SHARED_IQA = Path(__file__).resolve().parents[3] / "shared" / "tools" / "iqa.py"


@pytest.mark.parametrize("name", ["ldfc-net", "ldfc-net-rt", "ldfc-net-rt-g", "ldfc-net-g"])
def test_export_load_round_trip_is_exact(tmp_path, name):
    torch.manual_seed(1)
    m = build_student(name).eval()
    for p in m.parameters():
        p.data.normal_(0, 0.05)
    path = tmp_path / f"{name}.safetensors"
    export.export_student(m, path)
    back = export.load_student(path)
    x = torch.rand(1, 3, 29, 37) * 0.3
    with torch.no_grad():
        assert torch.equal(m(x), back(x))
    g = export.golden(m)
    assert set(g) >= {"input_37x29", "illumination_37x29", "output_37x29"}
    assert g["illumination_37x29"].shape == (1, 3, 8, 10)


def test_load_refuses_another_architecture(tmp_path):
    from safetensors.torch import save_file
    m = build_student("ldfc-net-rt")
    meta = m.metadata()
    meta["arch_version"] = "99"
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(tmp_path / "x.safetensors"), metadata=meta)
    with pytest.raises(ValueError, match="v99"):
        export.load_student(tmp_path / "x.safetensors")
    meta["arch_version"] = "2"  # the whole-frame context's version, on a network without it
    save_file({k: v.contiguous() for k, v in m.state_dict().items()}, str(tmp_path / "x.safetensors"), metadata=meta)
    with pytest.raises(ValueError, match="a_global False"):
        export.load_student(tmp_path / "x.safetensors")


def test_metrics_on_known_cases():
    a = np.full((16, 16, 3), 100.0)
    assert iqa.psnr(a, a) == float("inf")
    assert abs(iqa.psnr(a, a + 10) - 10 * np.log10(255 ** 2 / 100)) < 1e-9
    assert abs(iqa.ssim(a, a) - 1) < 1e-12


@pytest.mark.skipif(not SHARED_IQA.exists(), reason="../shared/tools/iqa.py is absent (outside the project's machines)")
def test_evaluation_matches_the_reference_iqa(tmp_path, capsys):
    rng = np.random.default_rng(0)
    (tmp_path / "out").mkdir()
    (tmp_path / "gt").mkdir()
    for i, (w, h) in enumerate([(40, 30), (33, 27), (64, 64)]):
        gt = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        out = np.clip(gt.astype(int) + rng.integers(-20, 21, gt.shape), 0, 255).astype(np.uint8)
        Image.fromarray(gt).save(tmp_path / "gt" / f"{i}.png")
        Image.fromarray(out).save(tmp_path / "out" / f"{i}.png")
    ours = evaluate.summary(evaluate.score_dirs(str(tmp_path / "out"), str(tmp_path / "gt")))
    spec = importlib.util.spec_from_file_location("shared_iqa", SHARED_IQA)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    import sys
    argv = sys.argv
    sys.argv = ["iqa.py", str(tmp_path / "out"), str(tmp_path / "gt")]
    try:
        ref.main()
    finally:
        sys.argv = argv
    theirs = capsys.readouterr().out.strip()
    assert ours == theirs.split(" (missing")[0]


def test_elasticity_tells_an_exposure_invariant_network_from_one_that_follows_the_input():
    import torch
    import exposure

    low = (torch.rand(3, 32, 48) * 60).to(torch.uint8)
    constant = lambda x: torch.full_like(x, 0.4)
    identity = lambda x: x
    assert abs(exposure.elasticity(constant, low)) < 1e-6
    # the coded picture of a 4x exposure range: about 1 / 2.4 of it in log luma, more in the toe
    assert 0.3 < exposure.elasticity(identity, low) < 1.0
