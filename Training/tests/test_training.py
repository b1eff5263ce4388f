import copy

import torch

import losses
from model import build_student
from train import DEFAULTS, step_loss


def synthetic_pairs(n=2, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    high = torch.rand(n, 3, size, size, generator=g) * 0.6 + 0.2
    low = (high * 0.1 + torch.randn(n, 3, size, size, generator=g) * 0.005).clamp(0, 1)
    return low, high


def cfg(mode="student"):
    c = dict(DEFAULTS)
    c.update(mode=mode, w_bright=0.5, w_colour=0.5, w_texture=0.5, w_output=0.5)
    return c


def test_losses_finite_with_gradients_everywhere():
    torch.manual_seed(0)
    m = build_student("ldfc-net")
    for p in m.parameters():  # the zero-initialised output layer would block gradients at step 0
        p.data.normal_(0, 0.05)
    low, high = synthetic_pairs()
    teacher_L, teacher_y = torch.rand(2, 3, 64, 64) * 0.2 + 0.05, high * 0.95
    batch = torch.cat([low, high, teacher_L, teacher_y], 1)
    loss, terms = step_loss(cfg("distill"), m, batch, lambda: torch.autocast("cpu", dtype=torch.bfloat16))
    assert set(terms) == {"rec", "prior", "selfcal", "bright", "colour", "texture", "output"}
    assert all(torch.isfinite(v) for v in terms.values())
    loss.backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"


def test_a_few_steps_reduce_the_loss():
    torch.manual_seed(0)
    m = build_student("ldfc-net-rt")
    low, high = synthetic_pairs()
    batch = torch.cat([low, high], 1)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    c = cfg("student")
    c["w_selfcal"] = 0.0  # the random exposure factor would make the comparison noisy
    first = None
    for _ in range(30):
        loss, _ = step_loss(c, m, batch, lambda: torch.autocast("cpu", dtype=torch.bfloat16))
        first = first if first is not None else float(loss)
        opt.zero_grad()
        loss.backward()
        opt.step()
    final, _ = step_loss(c, m, batch, lambda: torch.autocast("cpu", dtype=torch.bfloat16))
    assert float(final) < 0.7 * first


def test_ssim_loss_matches_identity_and_colour_angle():
    a = torch.rand(1, 3, 32, 32)
    assert abs(float(losses.ssim(a, a)) - 1) < 1e-5
    assert float(losses.colour_angle(a, a * 2)) < 1e-5  # same direction: no colour difference
    assert float(losses.colour_angle(a, a.flip(1))) > 0.01


def test_self_calibration_is_zero_for_an_exposure_equivariant_estimator():
    phase_a = lambda x: x.clamp(0.01, 1.0)
    x = torch.rand(4, 3, 16, 16) * 0.45 + 0.05  # away from the clamp at EPS
    assert float(losses.self_calibration(phase_a, x, phase_a(x))) < 1e-6


def test_teacher_calibration_matches_ground_truth_exposure_and_keeps_retinex():
    from train import calibrate_teacher
    g = torch.Generator().manual_seed(3)
    high = torch.rand(3, 32, 32, generator=g) * 0.5 + 0.25
    low = high * 0.08
    ty = (high * 0.6).clamp(0, 1)             # a teacher that is right but 40 % too dark
    tL = (low / ty.clamp(min=1e-3)).clamp(0.01, 1)
    stack = torch.cat([low, high, tL, ty]).half()
    out = calibrate_teacher([stack])[0].float()
    y2, L2 = out[9:12], out[6:9]
    assert torch.equal(out[:6], stack[:6].float()), "inputs and ground truth untouched"
    assert abs(float(y2.mean() - high.mean())) < 0.01
    assert torch.allclose(y2, high, atol=0.01), "a pure exposure error is removed"
    assert torch.allclose(low / L2, y2, atol=0.02), "y' = x / L' still holds"
