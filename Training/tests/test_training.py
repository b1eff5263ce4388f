import contextlib
import copy

import pytest
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


def test_teacher_psnr_is_against_the_untouched_ground_truth_per_picture():
    # Read before exposure_from_teacher re-exposes the targets: a teacher 0.1 too bright on a flat
    # picture is 20 dB off, and the figure is the mean of per-picture PSNRs (iqa.py's), not of MSEs.
    from train import expose_like_teacher, teacher_psnr
    high = torch.full((3, 16, 16), 0.5)
    low, tL = high * 0.1, torch.full((3, 16, 16), 0.2)
    off_by_tenth = torch.cat([low, high, tL, high + 0.1]).half()
    off_by_hundredth = torch.cat([low, high, tL, high + 0.01]).half()
    assert abs(teacher_psnr([off_by_tenth]) - 20.0) < 0.05
    assert abs(teacher_psnr([off_by_tenth, off_by_hundredth]) - 30.0) < 0.1
    re_exposed = expose_like_teacher([off_by_tenth])
    assert teacher_psnr(re_exposed) > 40, "re-exposed targets hide the teacher's exposure error"


def test_coarse_enhancement_term_compares_at_the_illumination_scale_and_trains_the_estimator():
    gt = torch.rand(2, 3, 32, 32)
    L = torch.rand(2, 3, 8, 8)
    assert float(losses.coarse_enhancement(gt, gt, L)) == 0
    noise = torch.randn(2, 3, 32, 32) * 0.05
    noise = noise - torch.nn.functional.avg_pool2d(noise, 4).repeat_interleave(4, -1).repeat_interleave(4, -2)
    assert float(losses.coarse_enhancement(gt + noise, gt, L)) < 1e-6  # zero-mean within each cell: ignored
    assert abs(float(losses.coarse_enhancement(gt * 0.5, gt, L)) - float(0.5 * gt.mean())) < 1e-5

    from model import build_teacher
    torch.manual_seed(0)
    t = build_teacher("teacher-l4")
    low, high = synthetic_pairs(size=32)
    c = cfg("teacher")
    c["w_coarse"] = 0.5
    loss, terms = step_loss(c, t, torch.cat([low, high], 1), lambda: torch.autocast("cpu", dtype=torch.bfloat16))
    assert set(terms) == {"rec", "prior", "coarse", "selfcal"} and float(terms["coarse"]) > 0
    terms["coarse"].backward()
    assert t.illum.out.weight.grad.abs().sum() > 0  # it reaches the illumination estimator


def test_teacher_outputs_store_a_quarter_scale_illumination_at_full_resolution():
    from model import build_teacher, upsample
    from train import teacher_stacks
    torch.manual_seed(0)
    t = build_teacher("teacher-l4")
    for p in t.parameters():
        p.data.normal_(0, 0.1)
    low = (torch.rand(3, 29, 37) * 60).to(torch.uint8)
    (s,) = teacher_stacks(t, [(low, low)], "cpu")
    assert s.shape == (12, 29, 37)
    with torch.no_grad():
        L = t(low.float().div(255)[None], return_parts=True)["L"]
    assert float(L.std()) > 0.01  # a non-trivial map
    assert torch.allclose(s[6:9].float(), upsample(L, 4, (29, 37))[0], atol=2e-3)  # fp16 storage


def test_band_errors_ignore_global_gain_and_split_by_frequency():
    from bands import band_errors
    torch.manual_seed(0)
    gt = torch.rand(1, 3, 64, 64) * 0.5 + 0.2
    assert all(v < 1e-12 for v in band_errors(gt * 0.4, gt).values())  # one gain: no error
    ramp = torch.linspace(-0.1, 0.1, 64).view(1, 1, 1, 64)
    shading = band_errors(gt + ramp, gt)  # a smooth error: the low bands, not above them
    assert shading["low16"] > 1e-3 and shading["above4"] < 0.01 * shading["low16"]
    grain = torch.randn(1, 3, 64, 64) * 0.02
    noisy = band_errors(gt + grain - grain.mean(), gt)  # grain: above sigma 4
    assert noisy["above4"] > 10 * noisy["low16"]


def test_regional_teacher_calibration_removes_a_smooth_shading_error():
    from train import calibrate_teacher
    torch.manual_seed(0)
    high = torch.rand(3, 64, 96) * 0.5 + 0.25
    shading = torch.linspace(0.5, 1.2, 96).view(1, 1, 96)  # dark on the left, bright on the right
    ty, tL = (high * shading).clamp(0, 1), torch.full((3, 64, 96), 0.2)
    stack = torch.cat([high * 0.1, high, tL, ty]).half()
    err = lambda s: float((s[9:12].float() - high).abs().mean())
    globally, regionally = calibrate_teacher([stack])[0], calibrate_teacher([stack], sigma=16)[0]
    assert err(regionally) < 0.25 * err(globally)
    y, L = regionally[9:12].float(), regionally[6:9].float()
    assert torch.allclose(y * L, ty * tL, atol=2e-3)  # Retinex kept: y' L' = y L


def test_every_committed_checkpoint_names_its_network_through_its_config():
    from model import CONFIGS, TEACHERS
    from train import CHECKPOINTS, network_of
    names = sorted(p.stem for p in CHECKPOINTS.glob("*.pt"))
    assert names, "no committed checkpoints"
    for n in names:
        assert network_of(n) in set(CONFIGS) | set(TEACHERS), n


def test_ground_truth_re_exposed_to_the_teachers_brightness_keeps_its_content():
    from train import calibrate_teacher, expose_like_teacher, luma_mean
    torch.manual_seed(0)
    high = torch.rand(3, 64, 96) * 0.4 + 0.1
    shading = torch.linspace(0.8, 1.1, 96).view(1, 1, 96)
    ty = (high * 1.6 * shading).clamp(0, 1)  # brighter than the ground truth, and unevenly so
    tL = torch.full((3, 64, 96), 0.2)
    stack = torch.cat([high * 0.1, high, tL, ty]).half()
    (out,) = expose_like_teacher([stack])
    h2 = out[3:6].float()
    assert torch.equal(out[0:3], stack[0:3]) and torch.equal(out[6:12], stack[6:12]), "input and teacher untouched"
    assert abs(float(luma_mean(h2) - luma_mean(ty.half().float()))) < 2e-3, "the teacher's brightness"
    gain = h2 / high.half().float()
    assert float(gain.std()) < 2e-3, "one gain: the ground truth's content and shading, not the teacher's"
    # Calibrated against it, the teacher keeps its mean brightness and loses its shading error.
    cal = calibrate_teacher([out], sigma=16)[0][9:12].float()
    assert abs(float(luma_mean(cal) - luma_mean(ty))) < 0.01
    assert float((cal - h2).abs().mean()) < 0.25 * float((ty - h2).abs().mean())

    dark = torch.cat([high[:, :8, :8] * 0.1, torch.full((3, 8, 8), 0.9), tL[:, :8, :8], torch.full((3, 8, 8), 0.99)]).half()
    assert float(expose_like_teacher([dark])[0][3:6].max()) <= 1.0, "clamped to the image range"


def test_exposure_row_measures_how_brightness_follows_the_ground_truth():
    import numpy as np
    from exposure import exposure_row
    gt = np.array([0.3, 0.4, 0.5, 0.6])
    exact = exposure_row(gt * 1.2, gt, gt)  # one constant gain: perfectly following, only biased
    assert exact["sd_vs_gt"] < 1e-12 and exact["corr_with_gt"] > 0.999
    wrong = exposure_row(gt[::-1], gt, gt)  # bright where the ground truth is dark
    assert wrong["sd_vs_gt"] > 0.2 and wrong["sd_vs_reference"] > 0.2 and wrong["corr_with_gt"] < -0.99


def test_unseen_scenes_finds_a_scene_shot_at_another_exposure():
    import data
    torch.manual_seed(0)
    scene = lambda: (torch.rand(3, 8, 12).repeat_interleave(50, 1).repeat_interleave(50, 2) * 200).to(torch.uint8)
    a, b, c = scene(), scene(), scene()
    train = [(a, a), (b, b)]
    darker_a = (a.float() * 0.6).to(torch.uint8)  # the same scene, another exposure
    val = [(darker_a, darker_a), (c, c)]
    assert data.unseen_scenes(val, train) == [1]


def test_scene_split_keeps_every_exposure_of_a_scene_on_one_side(tmp_path):
    import data
    torch.manual_seed(0)
    scene = lambda: (torch.rand(3, 8, 12).repeat_interleave(50, 1).repeat_interleave(50, 2) * 200).to(torch.uint8)
    pairs, names = [], []
    for k in range(12):  # twelve scenes, scene k shot at 1 + k % 3 exposures
        s = scene()
        for e in range(1 + k % 3):
            pairs.append(((s.float() * (0.3 + 0.2 * e)).to(torch.uint8), s))
            names.append(f"{k}-{e}")
    groups = data.scene_groups(pairs)
    assert sorted(len(g) for g in groups) == sorted(1 + k % 3 for k in range(12))
    assert all(len({names[i].split("-")[0] for i in g}) == 1 for g in groups)
    val = data.scene_split(names, pairs, n_val=6)
    assert 6 <= len(val) < 6 + 3
    val_scenes = {n.split("-")[0] for n in val}
    assert all(n.split("-")[0] not in val_scenes for n in names if n not in val)
    assert data.scene_split(names, pairs, n_val=6) == val  # seeded: the committed list can be rewritten
    assert data.scene_split(names, pairs, n_val=6, seed=8) != val


def test_scene_folds_deal_whole_scenes_evenly():
    import data
    torch.manual_seed(0)
    scene = lambda: (torch.rand(3, 8, 12).repeat_interleave(50, 1).repeat_interleave(50, 2) * 200).to(torch.uint8)
    pairs, scene_of = [], []
    for k in range(12):  # twelve scenes, scene k shot at 1 + k % 3 exposures: 24 pictures
        s = scene()
        for e in range(1 + k % 3):
            pairs.append(((s.float() * (0.3 + 0.2 * e)).to(torch.uint8), s))
            scene_of.append(k)
    folds = data.scene_folds(pairs, 2)
    assert all(len({folds[i] for i in range(len(pairs)) if scene_of[i] == k}) == 1 for k in range(12))
    sizes = [folds.count(f) for f in (0, 1)]
    assert abs(sizes[0] - sizes[1]) <= 3 and sum(sizes) == 24  # within one scene of even
    assert data.scene_folds(pairs, 2) == folds


def test_out_of_fold_outputs_come_from_the_teacher_that_did_not_train_on_the_picture(monkeypatch):
    import pytest
    import train
    folds = [0, 1, 1, 0, 1]
    monkeypatch.setattr(train.data, "scene_folds", lambda pairs, k: folds)
    monkeypatch.setattr(train, "fold_of", lambda t: {"ta": (0, 2), "tb": (1, 2)}.get(t))
    seen = {}
    def stacks_of(teacher, names, pairs, device):  # each teacher's outputs: its own mark
        seen[teacher] = names
        return [torch.full((12, 1, 1), {"ta": 1.0, "tb": 2.0}[teacher]) for _ in names]
    monkeypatch.setattr(train, "cached_teacher_stacks", stacks_of)
    names = ["p0", "p1", "p2", "p3", "p4"]
    out = train.out_of_fold_stacks(["ta", "tb"], names, [None] * 5, "cpu")
    assert [float(s[0, 0, 0]) for s in out] == [1.0, 2.0, 2.0, 1.0, 2.0]
    assert seen == {"ta": ["p0", "p3"], "tb": ["p1", "p2", "p4"]}
    with pytest.raises(SystemExit, match="did not hold out fold"):
        train.out_of_fold_stacks(["tb", "ta"], names, [None] * 5, "cpu")


def test_split_lists_skip_comments_and_unknown_splits_are_refused(tmp_path):
    import data
    import pytest
    f = tmp_path / "list.txt"
    f.write_text("# drawn by scene\n3 4  # two\n\n10\n")
    assert data.read_list(f) == ["3", "4", "10"]
    with pytest.raises(ValueError, match="unknown split"):
        data.split_names(split="by-colour")


def test_committed_splits_are_disjoint_from_what_they_train_on():
    """Every validation list names pictures that exist and never pairs with a training name; the
    scene list holds at least 35, as DESIGN asks (needs the dataset folder for the names)."""
    import data
    import pytest
    if not (data.data_root() / "low").is_dir():
        pytest.skip(f"LOL-v1 not found at {data.data_root()} (../shared absent)")
    everything = set(data.all_names())
    for split in data.SPLITS:
        train, val = data.split_names(split=split)
        assert set(data.read_list(data.SPLITS[split])) <= everything
        assert len(val) >= 35 and not set(train) & set(val) and set(train) | set(val) == everything


def test_every_config_loads_and_a_misspelt_setting_stops_the_run(tmp_path):
    import pytest
    import train
    from model import CONFIGS, TEACHERS
    for path in sorted((train.HERE / "configs").glob("*.py")):
        cfg = train.load_config(path)
        assert cfg["model"] in CONFIGS or cfg["model"] in TEACHERS, path.name
    bad = tmp_path / "typo.py"
    bad.write_text('mode = "distill"\nmodel = "ldfc-net-rt-g"\nw_colur = 0.5\n')
    with pytest.raises(SystemExit, match="typo.py: unknown setting w_colur"):
        train.load_config(bad)
    bad.write_text('model = "ldfc-net-rt-g"\n')
    with pytest.raises(SystemExit, match="needs mode"):
        train.load_config(bad)


def test_a_run_refuses_a_teacher_that_trained_on_its_validation_pictures():
    import pytest
    import train
    cfg = train.load_config(train.HERE / "configs" / "distill-ldfc-net-rt-g-oof.py")
    train.check_same_split(cfg)  # the fold teachers hold out the same scenes
    with pytest.raises(SystemExit, match="trained with split 'names'"):
        train.check_same_split(dict(cfg, teacher="teacher-v3"))
    with pytest.raises(SystemExit, match="init_from"):
        train.check_same_split(dict(cfg, teacher=None, init_from="student-ldfc-net-rt"))


def test_gain_by_scene_counts_a_scene_once():
    import numpy as np
    from kd_gain import gain_by_scene
    # Three pictures of one scene all +1 dB, one other scene -1 dB: per scene the mean is 0, not +0.5.
    mean, se, ahead, scenes = gain_by_scene(np.array([1.0, 1.0, 1.0, -1.0]), [[0, 1, 2], [3]])
    assert (mean, ahead, scenes) == (0.0, 1, 2) and abs(se - np.sqrt(2) / np.sqrt(2)) < 1e-12


def test_a_second_run_from_one_teacher_waits_for_the_first_ones_outputs(tmp_path, monkeypatch):
    import fcntl
    import threading
    import time
    import train
    monkeypatch.setattr(train, "RUNS", tmp_path)
    monkeypatch.setattr(train, "network_of", lambda name: "teacher")
    monkeypatch.setattr(train, "build_teacher", lambda name: torch.nn.Identity())
    monkeypatch.setattr(train, "load_compact", lambda model, name: {"step": 5})
    def computed_again(*a):
        raise AssertionError("the teacher outputs were computed twice")
    monkeypatch.setattr(train, "teacher_stacks", computed_again)
    cache = tmp_path / "t-outputs-step5.pt"
    held, stacks = threading.Event(), [torch.full((12, 2, 2), 0.5)]
    def first_run():  # holds the lock while it "computes", then writes the cache
        with open(str(cache) + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            held.set()
            time.sleep(0.3)
            torch.save({"names": ["a"], "stacks": stacks}, cache)
    t = threading.Thread(target=first_run)
    t.start()
    held.wait()
    got = train.cached_teacher_stacks("t", ["a"], None, "cpu")  # would compute (and fail) without waiting
    t.join()
    assert torch.equal(got[0], stacks[0])


def test_unlabelled_inputs_are_new_night_pictures_cut_from_the_pairs():
    import data
    g = torch.Generator().manual_seed(0)
    high = (torch.rand(3, 300, 400, generator=g) * 200 + 40).to(torch.uint8)
    low = (high.float() * 0.1).to(torch.uint8)
    pics = data.unlabelled_inputs([(low, high)], 6, seed=3, min_side=128)
    assert len(pics) == 6
    for i, p in enumerate(pics):
        assert p.dtype == torch.uint8 and p.shape[0] == 3
        assert p.shape[1] % 4 == 0 and p.shape[2] % 4 == 0 and min(p.shape[1:]) >= 128
        assert p.float().mean() < 120, "a night picture, not a bright one"
    again = data.unlabelled_inputs([(low, high)], 6, seed=3, min_side=128)
    assert all(torch.equal(a, b) for a, b in zip(pics, again)), "deterministic for a seed"


def test_photo_night_inputs_are_dark_windows_of_the_photographs_at_lol_brightness():
    import data
    g = torch.Generator().manual_seed(0)
    bright = (torch.rand(3, 500, 900, generator=g) * 100 + 150).to(torch.uint8)  # mean luma ~200
    dim = (torch.rand(3, 300, 420, generator=g) * 60 + 40).to(torch.uint8)  # ~70
    pics = data.photo_night_inputs([bright, dim], 24, seed=5, min_side=128, max_side=600)
    assert len(pics) == 24
    lumas = []
    for p in pics:
        assert p.dtype == torch.uint8 and p.shape[0] == 3
        assert p.shape[1] % 4 == 0 and p.shape[2] % 4 == 0
        assert 128 <= min(p.shape[1:]) and max(p.shape[1:]) <= 600
        lumas.append(float(data.luma_mean(p.float())))
    # in LOL-v1's lows' range whatever the photograph's own brightness (noise and 8-bit rounding
    # move the mean a little)
    assert 3.5 < min(lumas) and max(lumas) < 36, lumas
    assert max(lumas) / min(lumas) > 2, "brightness drawn over a range, not one level"
    noise = [float((p.float() - torch.nn.functional.avg_pool2d(p.float()[None], 5, 1, 2)[0]).std()) for p in pics]
    assert min(noise) > 0.3, "noisy like a night picture"
    again = data.photo_night_inputs([bright, dim], 24, seed=5, min_side=128, max_side=600)
    assert all(torch.equal(a, b) for a, b in zip(pics, again)), "deterministic for a seed"


def test_photos_are_named_by_wallpaper_or_file_and_missing_ones_say_how_to_fetch(tmp_path):
    import photos
    assert photos._name("usr/share/wallpapers/Path/contents/images/1280x1024.jpg") == "Path.png"
    assert photos._name("usr/share/backgrounds/mate/nature/Dune.jpg") == "Dune.png"
    names = [photos._name(f) for files in photos.SOURCES.values() for f in files]
    assert len(names) == len(set(names)) == 37
    with pytest.raises(SystemExit, match="python3 photos.py"):
        photos.load_photos(tmp_path)


def test_mix_draws_labelled_pictures_at_about_the_asked_share():
    from train import mix
    labelled, unlabelled = [torch.zeros(1)] * 10, [torch.ones(1)] * 40
    m = mix(labelled, unlabelled, 0.5)
    share = sum(1 for t in m if t.sum() == 0) / len(m)
    assert abs(share - 0.5) < 0.05
    assert mix(labelled, [], 0.5) is labelled


def test_iat_label_stacks_target_teacher_and_quarter_illumination():
    from train import iat_label

    class Doubler(torch.nn.Module):  # a stand-in teacher: twice as bright
        def forward(self, x):
            return (x * 2).clamp(0, 1)

    x = (torch.rand(3, 40, 48) * 100).to(torch.uint8)
    s = iat_label(Doubler(), x).float()
    assert s.shape == (12, 40, 48)
    assert torch.allclose(s[3:6], s[9:12]), "without ground truth the teacher's picture is the target"
    assert torch.allclose(s[6:9], torch.full_like(s[6:9], 0.5), atol=0.01), "L = x / y"
    gt = torch.full((3, 40, 48), 200, dtype=torch.uint8)
    assert torch.allclose(iat_label(Doubler(), x, gt).float()[3:6], gt.float() / 255, atol=1e-3)


def test_frame_context_windows_see_what_the_whole_frame_sees():
    """With context = "frame" a training window's output is the whole picture's output there (its
    whole-frame context is the picture's, not the window's), away from the window's edges, where
    phase B's receptive field leaves the window."""
    import data
    from train import frame_context_parts
    torch.manual_seed(0)
    m = build_student("ldfc-net-rt-g").eval()
    for p in m.parameters():  # the zero-initialised layers would make every context alike
        p.data.normal_(0, 0.1)
    g = torch.Generator().manual_seed(1)
    stack = torch.rand(6, 128, 192, generator=g) * 0.5
    stack[:, :, :96] *= 0.2  # a dark half the window below leaves out
    windows = data.random_windows([stack], 4, 64, g)
    assert all(y % 4 == 0 and x % 4 == 0 for _, y, x in windows)
    windows.append((stack, 32, 128))  # one window inside the bright half
    with torch.no_grad():
        batch, parts = frame_context_parts(m, windows, 64, contextlib.nullcontext)
        for i, (s, y, x) in enumerate(windows):
            assert torch.equal(batch[i], s[:, y:y + 64, x:x + 64])
            whole = m(s[None, 0:3])
            inner = (slice(None), slice(24, 40), slice(24, 40))  # beyond phase B's reach of the window's edges
            assert torch.allclose(parts["y"][i][inner], whole[0, :, y:y + 64, x:x + 64][inner], atol=1e-5)
            assert torch.allclose(parts["L"][i], m.phase_a(s[None, 0:3])[0, :, y // 4:y // 4 + 16, x // 4:x // 4 + 16])
        crop = m(batch[-1:, 0:3])
        assert not torch.allclose(crop[0][inner], parts["y"][-1][inner], atol=1e-3), "a crop's own context differs"


def test_frame_context_trains_like_crops():
    torch.manual_seed(0)
    m = build_student("ldfc-net-rt-g")
    for p in m.parameters():
        p.data.normal_(0, 0.05)
    low, high = synthetic_pairs(size=64)
    c = cfg("student")
    c.update(context="frame", patch=32)
    windows = [(torch.cat([low[i], high[i]]), 16, 8) for i in range(2)]
    loss, terms = step_loss(c, m, windows, contextlib.nullcontext)
    assert set(terms) == {"rec", "prior", "selfcal"} and torch.isfinite(loss)
    loss.backward()
    assert m.a_global.weight.grad.abs().sum() > 0, "the whole-frame context is trained"
