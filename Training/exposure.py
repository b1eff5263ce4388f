"""How well a network's output brightness follows the ground truth's, and what its PSNR would be
with a reference network's (the teacher's) brightness instead of its own.

    python exposure.py CHECKPOINT [CHECKPOINT ...] [--reference teacher-s] [--split scenes|names] [--pictures val|train] [--threads N]

On LOL, PSNR is dominated by global brightness (GT-mean PSNR is 3-4 dB above PSNR), and a
ground truth's exposure is partly a photographer's choice the input does not show. A teacher is
worth distilling from for brightness only if its exposure follows the ground truth's better than
the student's does; this measures that (the spread of log luma ratios) and the PSNR the student
would reach with the teacher's exposure (its output re-scaled to the teacher's mean luma), i.e.
what is left to gain by following the teacher more closely. `iat` names the released IAT weights
(iat.py). It also gives each network's elasticity: how much its output brightness answers the
input's exposure (d log output luma / d log exposure, from the input re-exposed x0.5 and x2 in
linear light; 0: exposure-invariant, as LOL's ground truth is). `--pictures train` measures on
training pictures instead, which tells what a network has memorised of them.
"""
import argparse

import numpy as np
import torch

import data
import iqa
from export import TEACHER
from train import IAT_TEACHER, load_trained, luma_mean


def network(name):
    """A trained checkpoint, or the released IAT weights for `iat`."""
    if name == IAT_TEACHER:
        import iat
        return iat.load_iat().eval()
    return load_trained(name)


def output_of(net, x):
    y = net(x)
    return y["y"] if isinstance(y, dict) else y


def elasticity(net, low):
    """d log(output mean luma) / d log(exposure) for one uint8 3xHxW input, between the input
    re-exposed x0.5 and x2 in linear light."""
    lin = data._to_linear(low.float() / 255)
    lumas = [float(luma_mean(output_of(net, (data._to_srgb_uint8(lin * k).float() / 255)[None])[0].clamp(0, 1)))
             for k in (0.5, 2.0)]
    return float(np.log(max(lumas[1], 1e-6) / max(lumas[0], 1e-6)) / np.log(4.0))


def exposure_row(lumas, gt_lumas, reference_lumas):
    """Per network: spread (s.d.) of log(gt / output) and of log(output / reference) mean luma
    over the pictures, and the correlation of output with ground-truth luma."""
    a, g, r = (np.asarray(v, dtype=np.float64) for v in (lumas, gt_lumas, reference_lumas))
    return {"sd_vs_gt": float(np.log(g / a).std()), "sd_vs_reference": float(np.log(a / r).std()),
            "corr_with_gt": float(np.corrcoef(g, a)[0, 1])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--reference", default=TEACHER, help="whose brightness to compare with (default: %(default)s)")
    ap.add_argument("--split", default="scenes", choices=sorted(data.SPLITS), help="validation pictures (default: %(default)s)")
    ap.add_argument("--pictures", default="val", choices=["val", "train"], help="which side of the split (default: %(default)s)")
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    train_names, val_names = data.split_names(split=args.split)
    # every 10th training picture: enough for a spread, at IAT's second a picture
    pairs = data.load_pairs(val_names if args.pictures == "val" else train_names[::10])
    ref = network(args.reference)
    nets = {n: network(n) for n in args.checkpoints}
    gt_l, ref_l = [], []
    lum = {n: [] for n in nets}
    psnr = {n: [] for n in nets}
    psnr_at_ref = {n: [] for n in nets}
    elastic = {n: [] for n in [args.reference, *nets]}
    with torch.no_grad():
        for low, high in pairs:
            x, b = low.float().div(255)[None], high.permute(1, 2, 0).numpy().astype(np.float64)
            gt_l.append(float(luma_mean(high.float().div(255))))
            r = float(luma_mean(output_of(ref, x)[0]))
            ref_l.append(r)
            elastic[args.reference].append(elasticity(ref, low))
            for n, m in nets.items():
                elastic[n].append(elasticity(m, low))
                y = output_of(m, x)[0]
                l = float(luma_mean(y))
                lum[n].append(l)
                psnr[n].append(iqa.psnr(iqa.to_uint8(y), b))
                psnr_at_ref[n].append(iqa.psnr(iqa.to_uint8((y * (r / max(l, 1e-6))).clamp(0, 1)), b))
    side = "validation" if args.pictures == "val" else "training"
    print(f"Output brightness (mean luma) on {len(pairs)} {side} pictures of split {args.split!r}, against the ground truth "
          f"and against {args.reference}\n")
    print(f"| checkpoint | s.d. of log luma ratio to gt | to {args.reference} | correlation with gt | elasticity (median) | PSNR | "
          f"PSNR at {args.reference}'s brightness |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    own = exposure_row(ref_l, gt_l, ref_l)
    print(f"| {args.reference} | {own['sd_vs_gt']:.3f} | | {own['corr_with_gt']:.3f} | {np.median(elastic[args.reference]):.2f} | | |")
    for n in nets:
        e = exposure_row(lum[n], gt_l, ref_l)
        print(f"| {n} | {e['sd_vs_gt']:.3f} | {e['sd_vs_reference']:.3f} | {e['corr_with_gt']:.3f} | {np.median(elastic[n]):.2f} | "
              f"{np.mean(psnr[n]):.2f} | {np.mean(psnr_at_ref[n]):.2f} |", flush=True)


if __name__ == "__main__":
    main()
