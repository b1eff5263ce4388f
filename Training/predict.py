"""A folder (or list) of images in, enhanced PNGs out, any size; each picture's mean luma before and
after on stderr (how far a network lifts it).

    python predict.py --model ldfc-net --checkpoint checkpoints/distill-ldfc-net.pt IN_DIR OUT_DIR
    python predict.py --model iat IN_DIR OUT_DIR     # the IAT teacher (../shared/teachers)
"""
import argparse
import os
import sys
from pathlib import Path

import torch
from PIL import Image

import data
import iqa
from train import build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a network of model.py, or iat")
    ap.add_argument("--checkpoint", help="checkpoint file (not for iat)")
    ap.add_argument("input")
    ap.add_argument("output")
    args = ap.parse_args()
    if args.model == "iat":
        import iat
        model = iat.load_iat()
    elif not args.checkpoint:
        sys.exit(f"predict.py: --model {args.model} needs --checkpoint")
    else:
        model = build(args.model)
        c = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
        model.load_state_dict({k: v.float() for k, v in c["model"].items()})
    model.eval()
    luma = lambda z: float(0.299 * z[..., 0].mean() + 0.587 * z[..., 1].mean() + 0.114 * z[..., 2].mean())
    src = Path(args.input)
    files = sorted(p for p in src.iterdir() if not p.name.startswith(".")) if src.is_dir() else [src]
    os.makedirs(args.output, exist_ok=True)
    with torch.no_grad():
        for p in files:
            try:
                x = data.load_rgb(p).float().div(255).unsqueeze(0)
            except Exception as e:  # not an image: say so, keep going
                print(f"predict.py: skipping {p}: {e}", file=sys.stderr)
                continue
            y = iqa.to_uint8(model(x)[0]).astype("uint8")
            a, b = luma(x[0].permute(1, 2, 0).numpy() * 255), luma(y.astype("float64"))
            print(f"{p.name}: mean luma {a:.1f} -> {b:.1f} ({b / max(a, 1e-6):.2f}x)", file=sys.stderr)
            Image.fromarray(y).save(Path(args.output) / f"{p.stem}.png")
    print(f"{len(files)} images -> {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
