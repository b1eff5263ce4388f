import torch
import pytest

from count import BUDGETS
from model import CONFIGS, EPS, RetinexTeacher, build_student, count_macs, count_params


@pytest.mark.parametrize("name", list(CONFIGS))
def test_budgets(name):
    m = build_student(name)
    params, macs = BUDGETS[name]
    assert count_params(m) <= params
    assert count_macs(m, 256, 256) <= macs


def test_teacher_is_much_larger():
    biggest = max(count_params(build_student(n)) for n in CONFIGS)
    assert count_params(RetinexTeacher()) >= 20 * biggest


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("size", [(29, 37), (64, 48), (1, 1), (7, 130)])
def test_phases_compose_to_forward_at_any_size(name, size):
    torch.manual_seed(0)
    m = build_student(name).eval()
    for p in m.parameters():  # non-trivial weights everywhere (some layers start at zero)
        p.data.normal_(0, 0.1)
    x = torch.rand(2, 3, *size) * 0.3
    with torch.no_grad():
        L = m.phase_a(x)
        y = m.phase_b(x, L)
        assert L.shape == (2, 3, -(-size[0] // 4), -(-size[1] // 4))
        assert torch.equal(y, m(x))
        assert y.shape == x.shape
        assert float(y.min()) >= 0 and float(y.max()) <= 1
        assert float(L.min()) >= EPS


def test_teacher_exposes_retinex_parts():
    t = RetinexTeacher().eval()
    x = torch.rand(1, 3, 37, 29) * 0.2
    with torch.no_grad():
        p = t(x, return_parts=True)
    assert p["L"].shape == x.shape and p["y"].shape == x.shape and p["E"].shape == x.shape
    assert float(p["L"].min()) >= EPS
