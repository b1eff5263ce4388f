"""Trains the teacher, a distilled student (Retinex-KD) or a student alone (the ablation).

    python train.py configs/teacher.py [--minutes M] [--max-steps N]
    python train.py configs/distill-ldfc-net.py
    python train.py configs/student-ldfc-net.py

Resumable: the full state goes to runs/NAME/ckpt.pt; a compact copy (weights, step, schedule
position) goes to checkpoints/NAME.pt, which is committed so that a later session continues from it.
Validation metrics are appended to checkpoints/NAME.log. bf16 autocast on CPU; CUDA when present.
"""
import argparse
import contextlib
import fcntl
import json
import math
import os
import runpy
import signal
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import data
from data import luma_mean
import iqa
import losses
from model import TEACHERS, build_student, build_teacher, count_params, upsample

HERE = Path(__file__).resolve().parent
RUNS = HERE / "runs"
CHECKPOINTS = HERE / "checkpoints"

DEFAULTS = dict(steps=20000, batch=8, patch=128, lr=1e-3, warmup=300, w_ssim=0.5, w_prior=0.1, w_selfcal=0.05, w_coarse=0.0,
                w_bright=0.0, w_colour=0.0, w_texture=0.0, w_output=0.0, teacher=None, teacher_calibration=False,
                teacher_calibration_sigma=None, exposure_from_teacher=False, init_from=None, split="names", fold=None,
                eval_every=500, ckpt_every=250, seed=1, unlabelled=0, unlabelled_source="pairs", labelled_share=0.5,
                context="crop")


MODES = ("teacher", "student", "distill")


def load_config(path):
    """DEFAULTS with a config file's settings; exits in one line on a setting train.py does not know
    (a misspelt weight would otherwise train for an hour without the term) or a missing mode/model."""
    given = {k: v for k, v in runpy.run_path(str(path)).items() if not k.startswith("_")}
    unknown = sorted(set(given) - set(DEFAULTS) - {"mode", "model"})
    if unknown:
        sys.exit(f"train.py: {Path(path).name}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    if given.get("mode") not in MODES or "model" not in given:
        sys.exit(f"train.py: {Path(path).name}: needs mode (one of {', '.join(MODES)}) and model")
    cfg = dict(DEFAULTS, **given)
    cfg["name"] = Path(path).stem
    return cfg


def network_of(checkpoint_name):
    """The network a checkpoint holds, from the config that trained it (configs/NAME.py)."""
    path = HERE / "configs" / f"{checkpoint_name}.py"
    if not path.exists():
        sys.exit(f"train.py: no configs/{checkpoint_name}.py, so which network checkpoint {checkpoint_name} holds is unknown")
    return load_config(path)["model"]


def setting_of(checkpoint_name, key):
    """A setting of the run that wrote checkpoints/NAME.pt, from configs/NAME.py (DEFAULTS without one)."""
    path = HERE / "configs" / f"{checkpoint_name}.py"
    return load_config(path)[key] if path.exists() else DEFAULTS[key]


def split_of(checkpoint_name):
    """The validation split (data.SPLITS) the run that wrote checkpoints/NAME.pt held out."""
    return setting_of(checkpoint_name, "split")


def check_same_split(cfg):
    """Exits when the teacher or the starting weights were trained with another validation split:
    they would have seen this run's validation pictures, and its figures would not be held out."""
    for role in ("teacher", "init_from"):
        for other in teachers_of(cfg[role]):
            if other == IAT_TEACHER:
                continue  # not ours: trained by its authors on every LOL-v1 training pair (MODEL_CARD.md)
            if split_of(other) != cfg["split"]:
                sys.exit(f"train.py: {cfg['name']} holds out split {cfg['split']!r} but its {role} {other} was "
                         f"trained with split {split_of(other)!r}, which trains on some of these validation pictures")


def teachers_of(value):
    """A config's teacher: one checkpoint name, a list of them (one per fold, out_of_fold_stacks), or None."""
    return [] if not value else [value] if isinstance(value, str) else list(value)


def fold_of(checkpoint_name):
    """The (k, K) fold a teacher run held out (config key `fold`), or None."""
    return setting_of(checkpoint_name, "fold")


def cpu_has_bf16():
    """Whether the CPU has bf16 arithmetic (AVX-512 BF16 or AMX), which makes bf16 autocast pay."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def build(model_name):
    return build_teacher(model_name) if model_name in TEACHERS else build_student(model_name)


def load_compact(model, name):
    """Weights (and step) from checkpoints/NAME.pt, or None when there is none."""
    p = CHECKPOINTS / f"{name}.pt"
    if not p.exists():
        return None
    c = torch.load(p, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() for k, v in c["model"].items()})
    return c


def load_trained(name):
    """The network checkpoints/NAME.pt holds, with its weights, in eval mode; exits in one line
    when there is no such checkpoint (for the measuring scripts)."""
    m = build(network_of(name))
    if not load_compact(m, name):
        sys.exit(f"{Path(sys.argv[0]).name}: no checkpoint checkpoints/{name}.pt")
    return m.eval()


def save_compact(model, name, step, best, half):
    CHECKPOINTS.mkdir(exist_ok=True)
    sd = {k: (v.half() if half else v.float()).cpu() for k, v in model.state_dict().items()}
    tmp = CHECKPOINTS / f".{name}.pt.tmp"
    torch.save({"model": sd, "step": step, "best": best}, tmp)
    os.replace(tmp, CHECKPOINTS / f"{name}.pt")


def lr_at(cfg, step):
    """Linear warm-up, cosine decay to 2 %; after a resume with a fresh optimiser, a 100-step ramp
    up to where the schedule is (not back to the peak)."""
    if step < cfg["warmup"]:
        return cfg["lr"] * (step + 1) / cfg["warmup"]
    t = min(1.0, (step - cfg["warmup"]) / max(1, cfg["steps"] - cfg["warmup"]))
    lr = cfg["lr"] * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * t)))
    since = step - cfg.get("rewarm_from", -10 ** 9)
    return lr * (since + 1) / 100 if since < 100 else lr


@torch.no_grad()
def evaluate(model, pairs, device):
    """Mean PSNR / SSIM on full validation images, quantised to uint8 (as iqa.py sees PNGs)."""
    model.eval()
    ps, ss, gs = [], [], []
    for low, high in pairs:
        x = low.float().div(255).unsqueeze(0).to(device)
        y = model(x)[0]
        a, b = iqa.to_uint8(y), high.permute(1, 2, 0).numpy().astype("float64")
        ps.append(iqa.psnr(a, b))
        ss.append(iqa.ssim(a, b))
        gs.append(iqa.psnr_gt_mean(a, b))
    model.train()
    return sum(ps) / len(ps), sum(ss) / len(ss), sum(gs) / len(gs)


@torch.no_grad()
def teacher_stacks(teacher, pairs, device):
    """Per training image: [low, high, teacher L, teacher y] as one float16 12xHxW stack in [0,1]
    (a reduced-resolution L is stored upsampled as the teacher used it; the brightness term
    area-averages it back to the student's scale)."""
    teacher.eval()
    out = []
    for low, high in pairs:
        x = low.float().div(255).unsqueeze(0).to(device)
        p = teacher(x, return_parts=True)
        L = p["L"] if teacher.illum_scale == 1 else upsample(p["L"], teacher.illum_scale, x.shape[-2:])
        out.append(torch.cat([x[0], high.float().div(255).to(device), L[0], p["y"][0]]).half().cpu())
    return out


@contextlib.contextmanager
def cache_lock(cache):
    """Held while a teacher-outputs cache is read or computed: two runs started together from one
    teacher wait for the first's cache instead of computing the same outputs beside it (the lock
    goes with its process)."""
    RUNS.mkdir(exist_ok=True)
    with open(str(cache) + ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another run computing {cache.name}", file=sys.stderr)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def cached_teacher_stacks(teacher_name, names, pairs, device):
    """teacher_stacks, computed once per teacher checkpoint (step) and kept under runs/: two
    students distilled from one teacher share it, and the teacher pass over the training set costs
    minutes on a CPU."""
    teacher = build_teacher(network_of(teacher_name)).to(device)
    c = load_compact(teacher, teacher_name)
    if not c:
        sys.exit(f"train.py: no teacher checkpoint checkpoints/{teacher_name}.pt: train the teacher first")
    cache = RUNS / f"{teacher_name}-outputs-step{c['step']}.pt"
    with cache_lock(cache):
        if cache.exists():
            saved = torch.load(cache, weights_only=True)
            if saved["names"] == list(names):
                print(f"teacher outputs (step {c['step']}) from {cache}", file=sys.stderr)
                return saved["stacks"]
        t0 = time.time()
        stacks = teacher_stacks(teacher, pairs, device)
        torch.save({"names": list(names), "stacks": stacks}, str(cache) + ".tmp")
        os.replace(str(cache) + ".tmp", cache)
    print(f"teacher outputs (step {c['step']}) precomputed in {time.time() - t0:.0f} s", file=sys.stderr)
    return stacks


def out_of_fold_stacks(teacher_names, names, pairs, device):
    """teacher_stacks where each training picture's outputs come from the one teacher of the list
    that did not train on its scene: teacher j held out fold j of data.scene_folds (config `fold =
    (j, K)`). A teacher that recalled its training pictures would hand the students the ground
    truth's exposure there instead of a prediction from the input; out of fold it cannot. (Ours
    did not recall them: teacher-g-s and the fold teachers score alike on each fold, 20.86 / 19.90
    against 20.85 / 19.76 dB; MODEL_CARD.md.)"""
    K = len(teacher_names)
    for j, t in enumerate(teacher_names):
        if tuple(fold_of(t) or ()) != (j, K):
            sys.exit(f"train.py: teacher {t} is number {j} of {K} but did not hold out fold ({j}, {K}) (its fold: {fold_of(t)})")
    folds = data.scene_folds(pairs, K)
    out = [None] * len(pairs)
    for j, t in enumerate(teacher_names):
        idx = [i for i, f in enumerate(folds) if f == j]
        for i, stack in zip(idx, cached_teacher_stacks(t, [names[i] for i in idx], [pairs[i] for i in idx], device)):
            out[i] = stack
    return out


IAT_TEACHER = "iat"  # config value: the released IAT weights (iat.py) as the teacher


@torch.no_grad()
def iat_label(teacher, x_uint8, high_uint8=None):
    """One stack [x, target, teacher L, teacher y] (float16 12xHxW in [0, 1]) for a picture the
    teacher labels: the target is the ground truth where there is one, else the teacher's picture;
    L is the teacher's brightening as a quarter-scale illumination (iat.quarter_illumination),
    stored repeated to full resolution (the brightness term area-averages it back)."""
    import iat
    x = x_uint8.float().div(255)[None]
    y = teacher(x)
    H, W = x.shape[-2:]
    L = F.interpolate(iat.quarter_illumination(x, y), scale_factor=4, mode="nearest")[..., :H, :W]
    target = y[0] if high_uint8 is None else high_uint8.float().div(255)
    return torch.cat([x[0], target, L[0], y[0]]).half()


UNLABELLED_SEED = 11  # one set of new pictures for every run (and seed) that asks for the same number


def iat_stacks(names, pairs, n_unlabelled, seed=UNLABELLED_SEED, source="pairs"):
    """The IAT teacher's stacks for the training pairs, and for `n_unlabelled` new pictures, labelled
    by it alone: made from the pairs (data.unlabelled_inputs) or, with `source = "photos"`, dark
    renditions of photographs of other scenes (photos.py, data.photo_night_inputs). Cached under
    runs/ (IAT takes about a second a picture here), with the same lock as cached_teacher_stacks."""
    import iat
    tag = "u" if source == "pairs" else source
    cache = RUNS / f"iat-outputs-{len(names)}-{tag}{n_unlabelled}-s{seed}.pt"
    with cache_lock(cache):
        # A cache of more new pictures holds these as its first ones (they are drawn in sequence).
        count = lambda p: int(p.stem.split(f"-{tag}")[1].split("-")[0])
        larger = sorted((p for p in RUNS.glob(f"iat-outputs-{len(names)}-{tag}*-s{seed}.pt") if count(p) > n_unlabelled), key=count)
        for path in [cache] + larger:
            if path.exists():
                saved = torch.load(path, weights_only=True, mmap=True)
                if saved["names"] == list(names):
                    print(f"IAT outputs from {path}", file=sys.stderr)
                    return [t.clone() for t in saved["labelled"]], [t.clone() for t in saved["unlabelled"][:n_unlabelled]]
        if source == "photos":
            import photos
            inputs = data.photo_night_inputs(photos.load_photos(), n_unlabelled, seed=seed)
        elif source == "pairs":
            inputs = data.unlabelled_inputs(pairs, n_unlabelled, seed=seed)
        else:
            sys.exit(f"train.py: unlabelled_source must be 'pairs' or 'photos', not {source!r}")
        teacher, t0 = iat.load_iat(), time.time()
        labelled = _cached_iat_pair_labels(names) or [iat_label(teacher, low, high) for low, high in pairs]
        unlabelled = []
        for i, x in enumerate(inputs):
            unlabelled.append(iat_label(teacher, x))
            if (i + 1) % 100 == 0:
                print(f"IAT labelled {i + 1}/{n_unlabelled} new pictures ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
        torch.save({"names": list(names), "labelled": labelled, "unlabelled": unlabelled}, str(cache) + ".tmp")
        os.replace(str(cache) + ".tmp", cache)
    print(f"IAT outputs computed in {time.time() - t0:.0f} s", file=sys.stderr)
    return labelled, unlabelled


def _cached_iat_pair_labels(names):
    """IAT's stacks of these training pairs from any cache that holds them (they do not depend on
    the new pictures), or None."""
    for path in sorted(RUNS.glob(f"iat-outputs-{len(names)}-*.pt")):
        saved = torch.load(path, weights_only=True, mmap=True)
        if saved["names"] == list(names):
            print(f"IAT outputs of the pairs from {path}", file=sys.stderr)
            return [t.clone() for t in saved["labelled"]]
    return None


def mix(labelled, unlabelled, labelled_share):
    """One list to draw patches from, in which the labelled pictures make up about `labelled_share`
    of the draws (repeated references, no copies)."""
    if not unlabelled:
        return labelled
    r = max(1, round(labelled_share / (1 - labelled_share) * len(unlabelled) / len(labelled)))
    return labelled * r + unlabelled


def _psnr(a, b):
    return float(10 * torch.log10(1 / F.mse_loss(a.float(), b.float()).clamp(min=1e-10)))


def teacher_psnr(stacks):
    """Mean PSNR of the teacher's outputs against the untouched ground truth over the training
    pictures (iqa.py's per-picture mean): beside the teacher's validation figure, it tells whether
    the teacher recalls its training pictures (teacher-g-s: 20.4 here, 20.7 on unseen scenes: no)."""
    return sum(_psnr(s[9:12], s[3:6]) for s in stacks) / len(stacks)


def calibrate_teacher(stacks, sigma=None):
    """Corrects each teacher output's exposure against the ground truth: y' = clamp(G y),
    L' = clamp(L / G) (so y' ~ x / L' still holds). G is one gain per image, mean(gt) / mean(y),
    or with `sigma` a smooth gain map, blur(gt) / blur(y) with a Gaussian of that sigma.

    The teacher's weakness on LOL is brightness: globally (its GT-mean PSNR is 3.5 dB above its
    PSNR), which a network that sees a 128-pixel crop cannot know, and regionally (bands.py: it
    trails the students below sigma 4 and ties them above). Its colour, texture and noise removal
    are what the student should learn from it; the gain only uses training ground truth and costs
    nothing at inference."""
    out = []
    for s in stacks:
        high, tL, ty = s[3:6].float(), s[6:9].float(), s[9:12].float()
        if sigma:
            g = (losses.blur(high[None], sigma) / losses.blur(ty[None], sigma).clamp(min=1e-3))[0].clamp(0.25, 4.0)
        else:
            g = (high.mean() / ty.mean().clamp(min=1e-3)).clamp(0.25, 4.0)
        y2, L2 = (ty * g).clamp(0, 1), (tL / g).clamp(0.01, 1)
        out.append(torch.cat([s[0:6], L2.to(s.dtype), y2.to(s.dtype)]))
    # Against the training targets: the ground truth re-exposed to the teacher's own brightness
    # when exposure_from_teacher ran first, so then this is a GT-mean-like figure, not PSNR.
    print(f"teacher outputs against the training targets: {teacher_psnr(stacks):.2f} dB, "
          f"{teacher_psnr(out):.2f} dB after exposure calibration" + (f" (sigma {sigma})" if sigma else ""),
          file=sys.stderr)
    return out


def expose_like_teacher(stacks):
    """Re-exposes each training ground truth to the teacher's brightness: gt' = clamp(gt *
    luma(teacher y) / luma(gt)), one gain per image; the content stays the ground truth's.

    LOL's ground-truth exposure varies from picture to picture in ways the input does not
    predict; the teacher's is a function of the input. On the validation split the teacher's
    output brightness follows the ground truth's better than the students' do (log luma ratio
    s.d. 0.19 against 0.23), and a student's output re-scaled to the teacher's brightness gains
    0.7 dB. That brightness is the knowledge this hands on: the reconstruction and the (regional)
    teacher calibration then work against the re-exposed ground truth. (Measured: the students do
    not follow the teacher's brightness more closely after it, but fit the content better, +1.0-1.2
    dB GT-mean PSNR: an exposure target they can be consistent with; MODEL_CARD.md.)"""
    out, gains = [], []
    for s in stacks:
        high, ty = s[3:6].float(), s[9:12].float()
        g = float((luma_mean(ty) / luma_mean(high).clamp(min=1e-3)).clamp(0.25, 4.0))
        gains.append(g)
        out.append(torch.cat([s[0:3], (high * g).clamp(0, 1).to(s.dtype), s[6:12]]))
    t = torch.tensor(gains).log()
    print(f"ground truth re-exposed to the teacher's brightness: gain geometric mean {t.mean().exp():.3f}, "
          f"log s.d. {t.std():.3f}", file=sys.stderr)
    return out


def frame_context_parts(model, windows, patch, autocast):
    """The network's parts on training windows as it runs on whole frames: phase A (whose
    whole-frame context is the mean of its features over the picture) sees each whole picture, and
    phase B the window with the window's cells of the picture's illumination. Returns the windows'
    stacks (N x C x patch x patch) and the parts.

    Trained on crops alone, the context is a crop's mean, but in use it is the frame's; this
    trains with the frame's, to tell whether that mismatch costs anything (it did not: MODEL_CARD.md;
    crops see more distinct contexts)."""
    Ls = []
    for s, y, x in windows:
        with autocast():
            L = model.phase_a(s[None, 0:3])
        Ls.append(L[..., y // 4:(y + patch) // 4, x // 4:(x + patch) // 4])
    batch = torch.stack([s[:, y:y + patch, x:x + patch] for s, y, x in windows])
    L = torch.cat(Ls)
    with autocast():
        y, E = model.phase_b(batch[:, 0:3], L, return_parts=True)
    return batch, {"L": L, "E": E, "y": y}


def step_loss(cfg, model, batch, autocast):
    """batch: N x C x H x W stacks (crops), or with `context = "frame"` a list of
    data.random_windows."""
    if cfg["context"] == "frame":
        batch, parts = frame_context_parts(model, batch, cfg["patch"], autocast)
    else:
        with autocast():  # the networks run in bf16; the losses are computed in fp32
            parts = model(batch[:, 0:3], return_parts=True)
    low, high = batch[:, 0:3], batch[:, 3:6]
    y, L = parts["y"].float(), parts["L"].float()
    terms = {"rec": losses.reconstruction(y, high, cfg["w_ssim"])}
    terms["prior"] = cfg["w_prior"] * losses.illumination_prior(L, low, high)
    if cfg["w_coarse"]:
        terms["coarse"] = cfg["w_coarse"] * losses.coarse_enhancement(parts["E"].float(), high, L)
    def phase_a_bf16(z):
        with autocast():
            return model.phase_a(z).float()
    terms["selfcal"] = cfg["w_selfcal"] * losses.self_calibration(phase_a_bf16, low, L)
    if cfg["mode"] == "distill":
        tL, ty = batch[:, 6:9], batch[:, 9:12]
        terms["bright"] = cfg["w_bright"] * F.l1_loss(L, losses.at_scale(tL, L))
        terms["colour"] = cfg["w_colour"] * losses.colour_angle(y, ty)
        terms["texture"] = cfg["w_texture"] * losses.texture(y, ty)
        terms["output"] = cfg["w_output"] * F.l1_loss(y, ty)
    return sum(terms.values()), terms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--minutes", type=float, default=1e9, help="stop (with a checkpoint) after this long")
    ap.add_argument("--max-steps", type=int, default=None, help="stop after this many steps in this run")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    cfg = load_config(args.config)
    name = cfg["name"]
    check_same_split(cfg)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" or cpu_has_bf16():
        autocast = lambda: torch.autocast(device, dtype=torch.bfloat16)
    else:  # emulated bf16 is ~5x slower than fp32 on a CPU without bf16 instructions
        autocast = contextlib.nullcontext
    print(f"{name}: {'bf16 autocast' if autocast is not contextlib.nullcontext else 'fp32 (no bf16 instructions)'}", file=sys.stderr)
    torch.manual_seed(cfg["seed"])

    model = build(cfg["model"]).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=0.0 if cfg["model"] in TEACHERS else 1e-4)
    step, best = 0, None
    full = RUNS / name / "ckpt.pt"
    if full.exists():
        c = torch.load(full, map_location=device, weights_only=False)
        model.load_state_dict(c["model"])
        opt.load_state_dict(c["opt"])
        step, best = c["step"], c["best"]
        print(f"resumed {name} at step {step} from {full}", file=sys.stderr)
    else:
        c = load_compact(model, name)
        if c:
            step, best = c["step"], c["best"]
            print(f"resumed {name} at step {step} from checkpoints/{name}.pt (fresh optimiser)", file=sys.stderr)
            cfg["rewarm_from"] = step  # a short re-warm-up for the fresh optimiser state
        elif cfg["init_from"]:
            if not load_compact(model, cfg["init_from"]):
                sys.exit(f"train.py: init_from: no checkpoint checkpoints/{cfg['init_from']}.pt")
            print(f"{name}: starting from the weights of checkpoints/{cfg['init_from']}.pt", file=sys.stderr)
    model.to(device)

    train_names, val_names = data.split_names(split=cfg["split"])
    train_pairs, val_pairs = data.load_pairs(train_names), data.load_pairs(val_names)
    if cfg["fold"]:  # a teacher that holds out one fold of the training scenes too (out_of_fold_stacks)
        k, K = cfg["fold"]
        keep = [i for i, f in enumerate(data.scene_folds(train_pairs, K)) if f != k]
        train_names, train_pairs = [train_names[i] for i in keep], [train_pairs[i] for i in keep]
    print(f"{name}: {cfg['model']} {count_params(model)} params, {len(train_pairs)} train / {len(val_pairs)} val pairs "
          f"(split {cfg['split']}), "
          f"device {device}, threads {torch.get_num_threads()}", file=sys.stderr)
    if cfg["mode"] == "distill" and cfg["teacher"] == IAT_TEACHER:
        labelled, unlabelled = iat_stacks(train_names, train_pairs, cfg["unlabelled"], source=cfg["unlabelled_source"])
        print(f"IAT on the training pictures: {teacher_psnr(labelled):.2f} dB against the ground truth; "
              f"{len(unlabelled)} pictures it labelled alone", file=sys.stderr)
        stacks = mix(labelled, unlabelled, cfg["labelled_share"])
    elif cfg["mode"] == "distill":
        if isinstance(cfg["teacher"], str):
            stacks = cached_teacher_stacks(cfg["teacher"], train_names, train_pairs, device)
        else:
            stacks = out_of_fold_stacks(cfg["teacher"], train_names, train_pairs, device)
        print(f"teacher outputs on the training pictures: {teacher_psnr(stacks):.2f} dB against the ground truth",
              file=sys.stderr)
        if cfg["exposure_from_teacher"]:
            stacks = expose_like_teacher(stacks)
        if cfg["teacher_calibration"]:
            stacks = calibrate_teacher(stacks, cfg["teacher_calibration_sigma"])
    else:
        stacks = [torch.cat([l, h]).half().div(255) for l, h in train_pairs]

    gen = torch.Generator().manual_seed(cfg["seed"] * 100003 + step)
    CHECKPOINTS.mkdir(exist_ok=True)
    (RUNS / name).mkdir(parents=True, exist_ok=True)

    def checkpoint():
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "best": best, "cfg": cfg},
                   str(full) + ".tmp")
        os.replace(str(full) + ".tmp", full)
        save_compact(model, name, step, best, half=cfg["model"] in TEACHERS)

    started, run_steps, t_last, acc = time.time(), 0, time.time(), {}
    stop = []  # SIGTERM / SIGINT: finish the step, checkpoint, leave
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))
    model.train()
    while step < cfg["steps"]:
        if stop or (time.time() - started) / 60 > args.minutes or (args.max_steps is not None and run_steps >= args.max_steps):
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(cfg, step)
        if cfg["context"] == "frame":
            batch = [(s.to(device), y, x) for s, y, x in data.random_windows(stacks, cfg["batch"], cfg["patch"], gen)]
        else:
            batch = data.random_patches(stacks, cfg["batch"], cfg["patch"], gen).to(device)
        loss, terms = step_loss(cfg, model, batch, autocast)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        run_steps += 1
        for k, v in terms.items():
            acc[k] = acc.get(k, 0.0) + float(v.detach())
        if step % 50 == 0:
            dt = (time.time() - t_last) / 50
            t_last = time.time()
            print(f"{name} step {step} " + " ".join(f"{k} {v / 50:.4f}" for k, v in acc.items()) +
                  f" lr {lr_at(cfg, step):.2e} {dt:.2f} s/step", file=sys.stderr, flush=True)
            acc = {}
        if step % cfg["ckpt_every"] == 0:
            checkpoint()
        if step % cfg["eval_every"] == 0 or step == cfg["steps"]:
            p, s, gm = evaluate(model, val_pairs, device)
            best = max(best or 0.0, p)
            line = {"step": step, "psnr": round(p, 3), "ssim": round(s, 4), "gt_mean_psnr": round(gm, 3),
                    "time": time.strftime("%Y-%m-%d %H:%M")}
            print(f"{name} val {json.dumps(line)}", file=sys.stderr, flush=True)
            with open(CHECKPOINTS / f"{name}.log", "a") as f:
                f.write(json.dumps(line) + "\n")
            checkpoint()
    checkpoint()
    print(f"{name}: stopped at step {step}", file=sys.stderr)


if __name__ == "__main__":
    main()
