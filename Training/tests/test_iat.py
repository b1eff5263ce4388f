"""The IAT re-implementation against the figures its weights' README gives (needs ../shared)."""
import pytest
import torch

import data
import iat
import iqa
from evaluate import score_model, summary

pytestmark = pytest.mark.skipif(not iat.DEFAULT_WEIGHTS.exists() or not data.data_root().exists(),
                                reason="../shared/teachers/iat-lol-v1 or ../shared/datasets/lol-v1-train absent")


@pytest.fixture(scope="module")
def teacher():
    torch.set_num_threads(2)
    return iat.load_iat()


@pytest.mark.parametrize("name,rgb", [("127", (148.659, 131.455, 117.834)), ("469", (64.462, 71.330, 77.297))])
def test_mean_colour_fingerprints(teacher, name, rgb):
    x = data.load_pairs([name])[0][0].float().div(255)[None]
    with torch.no_grad():
        mean = iqa.to_uint8(teacher(x)[0]).reshape(-1, 3).mean(0)
    assert mean == pytest.approx(rgb, abs=0.0015)


def test_validation_figures(teacher):
    _, val = data.split_names(split="scenes")
    rows = score_model(teacher, list(zip(val, data.load_pairs(val))))
    p, s, g = (sum(r[i] for r in rows) / len(rows) for i in (1, 2, 3))
    assert len(rows) == 41, summary(rows)
    assert p == pytest.approx(25.713, abs=0.01), summary(rows)
    assert s == pytest.approx(0.8318, abs=0.0001), summary(rows)
    assert g == pytest.approx(27.058, abs=0.01), summary(rows)


def test_illumination_reproduces_the_teachers_brightening():
    x = torch.rand(1, 3, 40, 48) * 0.2
    y = (x * 3).clamp(0, 1)
    L = iat.quarter_illumination(x, y)
    assert L.shape == (1, 3, 10, 12)
    assert torch.allclose(L, torch.full_like(L, 1 / 3), atol=1e-4)
