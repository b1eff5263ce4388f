"""Scores an average of teachers' outputs (optionally with a horizontal-flip pass) on a validation
split: whether an ensemble of the teacher runs we have, or test-time augmentation, would make a
teacher above the whole-frame students (the distillation gain needs one; MODEL_CARD.md).

    python ensemble.py [TEACHER ...] [--split scenes]   (default: teacher-g-s teacher-g-s-f0 teacher-g-s-f1)
"""
import argparse

import torch

import data
from evaluate import score_output, summary
from train import load_trained, split_of


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("teachers", nargs="*", default=["teacher-g-s", "teacher-g-s-f0", "teacher-g-s-f1"])
    ap.add_argument("--split", default=None, help="validation split (default: the first teacher's)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    nets = [load_trained(n) for n in args.teachers]
    _, val = data.split_names(split=args.split or split_of(args.teachers[0]))
    rows = {"first alone": [], "average": [], "average with flip": []}
    with torch.no_grad():
        for name, (low, high) in zip(val, data.load_pairs(val)):
            x = low.float().div(255).unsqueeze(0)
            ys = [t(x) for t in nets]
            flipped = [t(x.flip(-1)).flip(-1) for t in nets]
            for k, y in (("first alone", ys[0]), ("average", sum(ys) / len(ys)),
                         ("average with flip", (sum(ys) + sum(flipped)) / (2 * len(ys)))):
                rows[k].append(score_output(name, y[0], high))
    for k, r in rows.items():
        print(f"{k}: {summary(r)}")


if __name__ == "__main__":
    main()
