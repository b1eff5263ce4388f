"""PSNR / SSIM / GT-mean PSNR exactly as ../shared/tools/iqa.py computes them (DESIGN §4).

Inputs are uint8-range float64 HxWx3 arrays; outputs of a network are quantised with `to_uint8`
first, as they would be when written to PNG.
"""
import numpy as np
from scipy.ndimage import gaussian_filter


def to_uint8(t):
    """CHW float tensor in [0,1] -> HWC float64 array of uint8 values (round half up, as PNG export)."""
    a = t.detach().float().clamp(0, 1).mul(255).add(0.5).floor().permute(1, 2, 0).cpu().numpy()
    return a.astype(np.float64)


def psnr(a, b):
    mse = np.mean((a - b) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def _ssim_channel(x, y):
    C1, C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    f = lambda z: gaussian_filter(z, 1.5, truncate=3.5, mode="nearest")
    mx, my = f(x), f(y)
    sxx, syy, sxy = f(x * x) - mx * mx, f(y * y) - my * my, f(x * y) - mx * my
    m = ((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sxx + syy + C2))
    return m[5:-5, 5:-5].mean()


def ssim(a, b):
    return float(np.mean([_ssim_channel(a[..., c], b[..., c]) for c in range(3)]))


def psnr_gt_mean(out, gt):
    g = lambda z: (0.299 * z[..., 0] + 0.587 * z[..., 1] + 0.114 * z[..., 2]).mean()
    return psnr(np.round(np.clip(out * (g(gt) / max(g(out), 1e-6)), 0, 255)), gt)
