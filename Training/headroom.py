"""Where a network's PSNR goes, and what a teacher would have to improve to add a given gain.

    python headroom.py CHECKPOINT [CHECKPOINT ...] [--gain 0.8] [--split scenes|names] [--threads N]

Each output a is split, picture by picture, into an exposure and a content error against its
ground truth b: k = luma(b) / luma(a) is the gain iqa.py's GT-mean PSNR applies, the exposure
error is log k, and the content error is s = clamp(a k) - b (what GT-mean PSNR measures). The
output is then rebuilt with either part scaled down,

    a(alpha, beta) = clamp((b + alpha s) / k^beta),

so a(1, 1) is the output itself (up to where a k clips), a(0, 1) has perfect content at the
network's own exposure (the most any content improvement can reach), and a(1, 0) is the GT-mean
output. For a target gain over the network's PSNR it solves, by bisection, for the alpha that
reaches it with the exposure unchanged (reported as the GT-mean PSNR that takes) and for the beta
that reaches it with the content unchanged (reported as the s.d. of the exposure error that takes).

This bounds what distillation can buy: a teacher adds PSNR only through what it improves in the
student, and on LOL most of a student's error is exposure (MODEL_CARD.md, "Headroom").
"""
import argparse

import numpy as np
import torch

import data
import iqa
from train import load_trained


def luma(z):
    return (0.299 * z[..., 0] + 0.587 * z[..., 1] + 0.114 * z[..., 2]).mean()


def parts(a, b):
    """(k, s): the GT-mean gain of output a against ground truth b and the content error left
    after it, both HxWx3 uint8-range arrays."""
    k = luma(b) / max(luma(a), 1e-6)
    return k, np.clip(a * k, 0, 255) - b


def as_png(z):
    """Clamped and rounded to 8 bits (half up), as a saved PNG holds it."""
    return np.floor(np.clip(z, 0, 255) + 0.5)


def rebuild(b, k, s, alpha, beta):
    """The output with its content error scaled by alpha and its exposure error (log k) by beta."""
    return as_png((b + alpha * s) / k ** beta)


def capped_psnr(a, b):
    """PSNR with the error floored at 8-bit rounding's (1/12, 58.9 dB): a picture whose exposure
    the network got right to the rounding would otherwise make "perfect content" infinite."""
    return float(10 * np.log10(255.0 ** 2 / max(np.mean((a - b) ** 2), 1 / 12)))


def mean_psnr(pictures, alpha, beta):
    return float(np.mean([capped_psnr(rebuild(b, k, s, alpha, beta), b) for b, k, s in pictures]))


def solve(f, target, lo=0.0, hi=1.0, iters=30):
    """The x in [lo, hi] where the decreasing function f crosses target; None when f(lo) < target
    (out of reach even with that error gone)."""
    if f(lo) < target:
        return None
    for _ in range(iters):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) >= target else (lo, mid)
    return (lo + hi) / 2


def headroom(pictures, gain):
    """The table row of one network: pictures are (b, k, s) triples."""
    log_k = np.log([k for _, k, _ in pictures])
    base = mean_psnr(pictures, 1, 1)
    row = {"rebuilt": base, "perfect_content": mean_psnr(pictures, 0, 1), "gt_mean": mean_psnr(pictures, 1, 0),
           "exposure_rms": float(np.sqrt((log_k ** 2).mean()))}
    alpha = solve(lambda x: mean_psnr(pictures, x, 1), base + gain)
    row["gt_mean_needed"] = None if alpha is None else mean_psnr(pictures, alpha, 0)
    beta = solve(lambda x: mean_psnr(pictures, 1, x), base + gain)
    row["exposure_rms_needed"] = None if beta is None else beta * row["exposure_rms"]
    return row


def input_features(low):
    """What the input alone says about the ground truth's exposure: quantiles of its log luma, its
    mean log luma, the log of each channel's mean and the fraction of near-white pixels."""
    x = low.astype(np.float64) / 255
    y = 0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2]
    ll = np.log(y + 1 / 255)
    q = np.quantile(ll, [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])
    return np.r_[q, ll.mean(), np.log(x.mean((0, 1)) + 1e-3), (y > 0.9).mean()]


def fit_ridge(X, y, lam=1.0):
    """Ridge regression on standardised features; returns predict(X). On the scene split the
    validation error barely moves for lam from 0.1 to 10 (0.227-0.229; a constant: 0.279)."""
    mu, sd = X.mean(0), X.std(0) + 1e-9
    A = (X - mu) / sd
    w = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ (y - y.mean()))
    return lambda Z: (Z - mu) / sd @ w + y.mean()


def histogram_exposure(train_pairs, val_pairs):
    """The validation ground truths' mean luma (log) as predicted from the input's histogram by a
    regression fitted on the training pictures: a reference for how much of the photographers'
    exposure the input shows at all, and an exposure a teacher could hand a student."""
    hwc = lambda t: t.permute(1, 2, 0).numpy()
    feats = lambda pairs: np.stack([input_features(hwc(lo)) for lo, _ in pairs])
    target = lambda pairs: np.log([luma(hwc(hi).astype(np.float64)) for _, hi in pairs])
    predict = fit_ridge(feats(train_pairs), target(train_pairs))
    return predict(feats(val_pairs)), target(val_pairs)


def at_exposure(a, log_luma):
    """Output a re-scaled to a given mean luma."""
    return as_png(a * (np.exp(log_luma) / max(luma(a), 1e-6)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--gain", type=float, default=0.8, help="PSNR gain to find the cost of (default: %(default)s dB)")
    ap.add_argument("--split", default="scenes", choices=sorted(data.SPLITS), help="validation pictures (default: %(default)s)")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train_names, names = data.split_names(split=args.split)
    pairs = data.load_pairs(names)
    truths = [high.permute(1, 2, 0).numpy().astype(np.float64) for _, high in pairs]
    predicted, actual = histogram_exposure(data.load_pairs(train_names), pairs)
    histogram_rms = float(np.sqrt(((predicted - actual) ** 2).mean()))
    print(f"PSNR headroom on the validation split {args.split!r} ({len(pairs)} pictures): what +{args.gain} dB takes\n")
    print("| checkpoint | PSNR | with perfect content | GT-mean PSNR | r.m.s. exposure error (log) | "
          f"GT-mean PSNR for +{args.gain} dB (exposure as is) | exposure error for +{args.gain} dB (content as is) | "
          "PSNR at the histogram's exposure |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    fmt = lambda v, f: "out of reach" if v is None else format(v, f)
    for name in args.checkpoints:
        net = load_trained(name)
        pictures, rescaled = [], []
        with torch.no_grad():
            for (low, _), b, p in zip(pairs, truths, predicted):
                a = iqa.to_uint8(net(low.float().div(255)[None])[0])
                pictures.append((b, *parts(a, b)))
                rescaled.append(iqa.psnr(at_exposure(a, p), b))
        r = headroom(pictures, args.gain)
        print(f"| {name} | {r['rebuilt']:.2f} | {r['perfect_content']:.2f} | {r['gt_mean']:.2f} | {r['exposure_rms']:.3f} | "
              f"{fmt(r['gt_mean_needed'], '.2f')} | {fmt(r['exposure_rms_needed'], '.3f')} | {np.mean(rescaled):.2f} |", flush=True)
    print(f"\nThe histogram's exposure: the ground truths' mean luma as a ridge regression on the input's histogram, "
          f"fitted on the {len(train_names)} training pictures, predicts it (r.m.s. error {histogram_rms:.3f} in log).")


if __name__ == "__main__":
    main()
