import torch
import pytest

from count import BUDGETS
from model import CONFIGS, EPS, RetinexTeacher, build_student, build_teacher, count_macs, count_params, upsample


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


def test_quarter_scale_teacher_shares_the_weights_and_uses_a_smooth_illumination():
    torch.manual_seed(0)
    full = RetinexTeacher()
    for p in full.parameters():  # the restorer's output layer starts at zero
        p.data.normal_(0, 0.05)
    t = build_teacher("teacher-l4").eval()
    t.load_state_dict(full.state_dict())  # teacher-v3's checkpoint loads as it is
    x = torch.rand(1, 3, 37, 29) * 0.2
    with torch.no_grad():
        p = t(x, return_parts=True)
        L_full = full.eval()(x, return_parts=True)["L"]
    assert p["L"].shape == (1, 3, 10, 8)  # ceil(H/4) x ceil(W/4), the students' scale
    # Each cell is the mean of the full-resolution estimate over its 4x4 pixels (a partial cell at
    # the edge over the pixels it has).
    assert torch.allclose(p["L"][..., 0, 0], L_full[..., :4, :4].mean((-2, -1)), atol=1e-6)
    assert torch.allclose(p["L"][..., 9, 7], L_full[..., 36:, 28:].mean((-2, -1)), atol=1e-6)
    assert torch.equal(p["E"], torch.clamp(x / upsample(p["L"], 4, x.shape[-2:]), max=1.0))
    assert p["y"].shape == x.shape and float(p["y"].min()) >= 0 and float(p["y"].max()) <= 1


def test_only_the_whole_frame_estimator_sees_beyond_its_field_of_view():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 64, 256) * 0.3
    far = x.clone()
    far[..., 192:] *= 3.0  # brighten the far right quarter only: > 150 pixels from the left edge
    for name, sees in (("ldfc-net-rt", False), ("ldfc-net-rt-g", True), ("ldfc-net", False), ("ldfc-net-g", True)):
        m = build_student(name).eval()
        for p in m.parameters():
            p.data.normal_(0, 0.1)
        with torch.no_grad():
            d = (m.phase_a(far) - m.phase_a(x))[..., :, :8].abs().max()  # L over the left 32 pixels
        assert (float(d) > 1e-4) == sees, name


def test_metadata_keeps_version_1_files_unchanged_and_marks_the_whole_frame_estimator():
    import json
    v1 = build_student("ldfc-net-rt").metadata()
    assert v1["arch_version"] == "1" and "a_global" not in json.loads(v1["config"])
    g = build_student("ldfc-net-rt-g").metadata()
    assert g["arch_version"] == "2" and json.loads(g["config"])["a_global"] is True


def test_the_whole_frame_teacher_starts_as_the_plain_one_and_sees_the_whole_picture():
    torch.manual_seed(0)
    plain, g = build_teacher("teacher"), build_teacher("teacher-g")
    missing = g.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert sorted(missing) == ["illum.context.bias", "illum.context.weight", "restore.context.bias", "restore.context.weight"]
    x = torch.rand(1, 3, 64, 512) * 0.3
    with torch.no_grad():
        assert torch.equal(plain.eval()(x), g.eval()(x))  # the context convs start at zero
    far = x.clone()
    far[..., 384:] *= 3.0  # brighten the far right quarter only: > 350 pixels from the left edge
    for name, sees in (("teacher", False), ("teacher-g", True)):
        t = build_teacher(name).eval()
        for p in t.parameters():
            p.data.normal_(0, 0.1)  # (at 0.05 the signal fades through the layers to 1e-6)
        with torch.no_grad():
            a, b = t(x, return_parts=True), t(far, return_parts=True)
        for part in ("L", "y"):
            d = (b[part] - a[part])[..., :, :32].abs().max()  # over the left 32 pixels
            assert (float(d) > 1e-5) == sees, (name, part)
