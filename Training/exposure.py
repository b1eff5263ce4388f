"""How well a network's output brightness follows the ground truth's, and what its PSNR would be
with a reference network's (the teacher's) brightness instead of its own.

    python exposure.py CHECKPOINT [CHECKPOINT ...] [--reference teacher-s] [--split scenes|names] [--threads N]

On LOL, PSNR is dominated by global brightness (GT-mean PSNR is 3-4 dB above PSNR), and a
ground truth's exposure is partly a photographer's choice the input does not show. A teacher is
worth distilling from for brightness only if its exposure follows the ground truth's better than
the student's does; this measures that (the spread of log luma ratios) and the PSNR the student
would reach with the teacher's exposure (its output re-scaled to the teacher's mean luma), i.e.
what is left to gain by following the teacher more closely.
"""
import argparse

import numpy as np
import torch

import data
import iqa
from export import TEACHER
from train import load_trained, luma_mean


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
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    _, val_names = data.split_names(split=args.split)
    pairs = data.load_pairs(val_names)
    ref = load_trained(args.reference)
    nets = {n: load_trained(n) for n in args.checkpoints}
    gt_l, ref_l = [], []
    lum = {n: [] for n in nets}
    psnr = {n: [] for n in nets}
    psnr_at_ref = {n: [] for n in nets}
    with torch.no_grad():
        for low, high in pairs:
            x, b = low.float().div(255)[None], high.permute(1, 2, 0).numpy().astype(np.float64)
            gt_l.append(float(luma_mean(high.float().div(255))))
            r = float(luma_mean(ref(x)[0]))
            ref_l.append(r)
            for n, m in nets.items():
                y = m(x)[0]
                l = float(luma_mean(y))
                lum[n].append(l)
                psnr[n].append(iqa.psnr(iqa.to_uint8(y), b))
                psnr_at_ref[n].append(iqa.psnr(iqa.to_uint8((y * (r / max(l, 1e-6))).clamp(0, 1)), b))
    print(f"Output brightness (mean luma) on the validation split {args.split!r} ({len(pairs)} pictures), against the ground truth "
          f"and against {args.reference}\n")
    print(f"| checkpoint | s.d. of log luma ratio to gt | to {args.reference} | correlation with gt | PSNR | "
          f"PSNR at {args.reference}'s brightness |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    own = exposure_row(ref_l, gt_l, ref_l)
    print(f"| {args.reference} | {own['sd_vs_gt']:.3f} | | {own['corr_with_gt']:.3f} | | |")
    for n in nets:
        e = exposure_row(lum[n], gt_l, ref_l)
        print(f"| {n} | {e['sd_vs_gt']:.3f} | {e['sd_vs_reference']:.3f} | {e['corr_with_gt']:.3f} | "
              f"{np.mean(psnr[n]):.2f} | {np.mean(psnr_at_ref[n]):.2f} |", flush=True)


if __name__ == "__main__":
    main()
