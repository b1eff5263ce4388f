"""LDFC-Net (the SCKD student, two configurations) and the Retinex teacher.

Every operation here is one a oneDNN inference engine runs directly, and its exact semantics are
part of the contract with the Swift engine (Sources/SCKDModel):

- conv: zero padding k//2, stride 1 or 2. A stride-2 3x3 conv maps H to ceil(H/2).
- the real-time body's 4x4 stride-4 conv reads (x, E, L_up) zero-padded right/bottom to a multiple
  of 4; its 4x4 stride-4 transposed conv output is cropped to (H, W).
- deconv (ConvTranspose2d k=2, s=2, no padding) maps h to 2h; the result is cropped to the
  top-left (H, W) of the full-resolution tensor it is added to (no activation after the add: the
  engine fuses the add into the pixel-shuffle copy, where an activation cannot go).
- upsample(L, s): bilinear xs (s = 4 to full, 2 to half resolution), align_corners=False, with the
  scale fixed (not recomputed from the sizes): pixel p samples the illumination at (p + 0.5) / s - 0.5
  (clamped to >= 0) whatever the frame size, then the result is cropped to the target size. Because the mapping does not
  depend on the frame size, a frame processed in tiles (offsets multiple of 4) equals the whole.
- illumination: L = EPS + (1 - EPS) * sigmoid(z), so 1/L is bounded by 1/EPS.
- coarse enhancement: E = min(x / L_up, 1)  (x >= 0, L_up > 0 so E >= 0).
- output: clamp(E + r, 0, 1).

Phase A maps the input to the reduced-resolution illumination L (3 channels, ceil(H/4) x ceil(W/4));
phase B maps (input, L) to the output. The video pipeline smooths L over time between the two.
"""
import json
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

ARCH = "ldfc-net"
ARCH_VERSION = 1
EPS = 0.01


@dataclass(frozen=True)
class StudentConfig:
    name: str
    a_ch: int          # phase A width (at H/2 and H/4)
    a_blocks: int      # depthwise-separable blocks at H/4
    f_ch: int          # full-resolution feature width (0: none, body at 1/4 resolution: real time)
    f_k: int           # kernel of the full-resolution input convolution (3, or 1 for real time)
    f_blocks: int      # full-resolution residual blocks (3x3 conv pairs)
    l_ch: int          # half-resolution (LISC body) width
    l_blocks: int      # half-resolution blocks
    l_dense: bool      # half-resolution blocks use dense 3x3 convs (else depthwise-separable)
    a_global: bool = False  # phase A adds a 1x1 conv of its features' whole-frame mean (arch version 2)

    @property
    def arch_version(self):
        """What a weights file of this configuration says in `arch_version` (and what an engine must know)."""
        return ARCH_VERSION_GLOBAL if self.a_global else ARCH_VERSION


# Channel counts are multiples of 16: oneDNN's AVX-512 kernels work on 16-channel blocks and fall
# back to slow reference code for a partly filled block (measured: f_ch = 12 or 20 ran "ref:any").
CONFIGS = {
    "ldfc-net": StudentConfig("ldfc-net", a_ch=16, a_blocks=3, f_ch=16, f_k=3, f_blocks=4, l_ch=48, l_blocks=4, l_dense=False),
    "ldfc-net-rt": StudentConfig("ldfc-net-rt", a_ch=16, a_blocks=2, f_ch=0, f_k=1, f_blocks=0, l_ch=48, l_blocks=4, l_dense=False),
    # Experimental, not shipped (arch version 2; the Swift engine runs it): the real-time student whose
    # illumination estimator sees the whole frame: phase A's 3x3 layers see 31 pixels, and how dark
    # the whole picture is tells what gain a dark region needs (+1.1 dB on the validation scenes not
    # in training, +2.5 on the whole split, where it also recognises scenes; MODEL_CARD.md).
    "ldfc-net-rt-g": StudentConfig("ldfc-net-rt-g", a_ch=16, a_blocks=2, f_ch=0, f_k=1, f_blocks=0, l_ch=48, l_blocks=4,
                                   l_dense=False, a_global=True),
    # The same whole-frame phase A on the quality student (experimental, training).
    "ldfc-net-g": StudentConfig("ldfc-net-g", a_ch=16, a_blocks=3, f_ch=16, f_k=3, f_blocks=4, l_ch=48, l_blocks=4,
                                l_dense=False, a_global=True),
}
ARCH_VERSION_GLOBAL = 2  # what a file with a_global needs of the engine


def upsample(L, factor, size):
    """Bilinear x`factor` with a fixed scale (see the module notes), cropped to `size`."""
    up = F.interpolate(L, scale_factor=float(factor), mode="bilinear", align_corners=False, recompute_scale_factor=False)
    return up[..., :size[0], :size[1]]


class DSBlock(nn.Module):
    """Depthwise-separable residual block: relu(h + pw(relu(dw(h))))."""

    def __init__(self, c):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.pw = nn.Conv2d(c, c, 1)

    def forward(self, h):
        return F.relu(h + self.pw(F.relu(self.dw(h))))


class ResBlock(nn.Module):
    """Dense residual block: relu(h + conv2(relu(conv1(h))))."""

    def __init__(self, c):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1)
        self.c2 = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, h):
        return F.relu(h + self.c2(F.relu(self.c1(h))))


class LDFCNet(nn.Module):
    """Light-Guided Calibration (illumination + calibrated features) and Light Interference
    Suppression Calibration (a half-resolution body that removes what the division amplified)."""

    def __init__(self, cfg: StudentConfig):
        super().__init__()
        self.cfg = cfg
        a, f, l = cfg.a_ch, cfg.f_ch, cfg.l_ch
        # LGC, phase A: illumination at H/4.
        self.a_down1 = nn.Conv2d(3, a, 3, stride=2, padding=1)
        self.a_down2 = nn.Conv2d(a, a, 3, stride=2, padding=1)
        self.a_blocks = nn.ModuleList(DSBlock(a) for _ in range(cfg.a_blocks))
        if cfg.a_global:
            self.a_global = nn.Conv2d(a, a, 1)
        self.a_head = nn.Conv2d(a, 3, 3, padding=1)
        # Phase B. Quality (f_ch > 0): full-resolution features of (x, E, L_up), a LISC body at
        # half resolution, back up by a 2x2 transposed conv, full-resolution refinement.
        # Real time (f_ch == 0): no full-resolution features at all; the body runs at 1/4
        # resolution straight from (x, E, L_up) (a 4x4 stride-4 conv) and a 4x4 stride-4
        # transposed conv turns it into a full-resolution residual (a sub-pixel output).
        # Either way the body is calibrated by the illumination (LGC: scale and shift from L).
        if cfg.f_ch > 0:
            self.f_in = nn.Conv2d(9, f, cfg.f_k, padding=cfg.f_k // 2)
            self.l_down = nn.Conv2d(f, l, 3, stride=2, padding=1)
        else:
            self.l_down = nn.Conv2d(9, l, 4, stride=4)
        self.l_mod = nn.Conv2d(3, 2 * l, 1)
        self.l_blocks = nn.ModuleList((ResBlock(l) if cfg.l_dense else DSBlock(l)) for _ in range(cfg.l_blocks))
        if cfg.f_ch > 0:
            self.l_up = nn.ConvTranspose2d(l, f, 2, stride=2)
            self.f_blocks = nn.ModuleList(ResBlock(f) for _ in range(cfg.f_blocks))
            self.f_out = nn.Conv2d(f, 3, 1)
            out = self.f_out
        else:
            self.l_out = nn.ConvTranspose2d(l, 3, 4, stride=4)
            out = self.l_out
        # Start near "E unchanged, illumination mid-grey" so early training is stable.
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        nn.init.zeros_(self.l_mod.weight)
        nn.init.zeros_(self.l_mod.bias)
        nn.init.constant_(self.a_head.bias, -1.5)
        if cfg.a_global:  # starts as the local estimator
            nn.init.zeros_(self.a_global.weight)
            nn.init.zeros_(self.a_global.bias)

    def phase_a(self, x):
        h = F.relu(self.a_down1(x))
        h = F.relu(self.a_down2(h))
        for b in self.a_blocks:
            h = b(h)
        if self.cfg.a_global:
            # relu(h + W mean(h) + b), the mean over the whole quarter-scale frame (in training, the crop).
            h = F.relu(h + self.a_global(h.mean((2, 3), keepdim=True)))
        return EPS + (1 - EPS) * torch.sigmoid(self.a_head(h))

    def phase_b(self, x, L, return_parts=False):
        H, W = x.shape[-2:]
        Lu = upsample(L, 4, (H, W))
        E = torch.clamp(x / Lu, max=1.0)
        cat = torch.cat([x, E, Lu], 1)
        if self.cfg.f_ch > 0:
            f = F.relu(self.f_in(cat))
            g = F.relu(self.l_down(f))
            Lg = upsample(L, 2, g.shape[-2:])
        else:
            # Zero-pad to a multiple of 4 so the stride-4 conv covers every pixel: ceil(H/4) rows,
            # the size of L itself.
            g = F.relu(self.l_down(F.pad(cat, (0, (-W) % 4, 0, (-H) % 4))))
            Lg = L
        s, t = self.l_mod(Lg).chunk(2, 1)
        g = g * (1 + s) + t
        for b in self.l_blocks:
            g = b(g)
        if self.cfg.f_ch > 0:
            f = f + self.l_up(g)[..., :H, :W]
            for b in self.f_blocks:
                f = b(f)
            r = self.f_out(f)
        else:
            r = self.l_out(g)[..., :H, :W]
        y = torch.clamp(E + r, 0.0, 1.0)
        return (y, E) if return_parts else y

    def forward(self, x, return_parts=False):
        L = self.phase_a(x)
        if return_parts:
            y, E = self.phase_b(x, L, return_parts=True)
            return {"L": L, "E": E, "y": y}
        return self.phase_b(x, L)

    def metadata(self):
        cfg = asdict(self.cfg)
        if not cfg["a_global"]:
            del cfg["a_global"]  # version-1 files stay exactly as the engine knows them
        return {"arch": ARCH, "arch_version": str(self.cfg.arch_version), "config": json.dumps(cfg, sort_keys=True)}


def build_student(name: str) -> LDFCNet:
    return LDFCNet(CONFIGS[name])


# --------------------------------------------------------------------------------------------
# Teacher: a much larger Retinex model. Its illumination estimator is a small U-Net at full
# resolution; its restorer is a wide U-Net fed with (x, E, L). It exposes the same components as
# the student (L, E, y), which is what lets Retinex-KD compare them at the same scales.

def _cbr(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.1, inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.LeakyReLU(0.1, inplace=True))


class UNet(nn.Module):
    """global_context: the deepest features get a 1x1 conv of their whole-frame mean added (as
    ldfc-net-rt-g's phase A), so the network knows how dark the whole picture is."""

    def __init__(self, cin, cout, widths, global_context=False):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for w in widths:
            self.enc.append(_cbr(c, w))
            c = w
        self.context = None
        if global_context:  # starts as the plain U-Net
            self.context = nn.Conv2d(c, c, 1)
            nn.init.zeros_(self.context.weight)
            nn.init.zeros_(self.context.bias)
        self.dec = nn.ModuleList()
        self.up = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(c, w, 2, stride=2))
            self.dec.append(_cbr(2 * w, w))
            c = w
        self.out = nn.Conv2d(c, cout, 3, padding=1)

    def forward(self, x):
        H, W = x.shape[-2:]
        m = 2 ** (len(self.enc) - 1)
        ph, pw = (-H) % m, (-W) % m
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        skips = []
        h = x
        for i, e in enumerate(self.enc):
            if i:
                h = F.max_pool2d(h, 2)
            h = e(h)
            skips.append(h)
        if self.context is not None:
            h = h + self.context(h.mean((2, 3), keepdim=True))  # no activation: starts exactly as the plain U-Net
        for up, dec, s in zip(self.up, self.dec, reversed(skips[:-1])):
            h = dec(torch.cat([up(h), s], 1))
        return self.out(h)[..., :H, :W]


class RetinexTeacher(nn.Module):
    """illum_scale 1: L at full resolution (teacher, teacher-v2, teacher-v3). illum_scale 4: the
    estimator's map averaged over 4x4 cells and brought back by the students' fixed-scale bilinear
    upsampling, so that the teacher's L lives at the students' scale (what the brightness term
    compares) and is as smooth as theirs. Same parameters either way, so a full-resolution
    teacher's weights load into it (teacher-v4 started from teacher-v3's).

    Measured: teacher-v3's weights score the same with either (19.25 against 19.27 dB on
    validation, no retraining): its L was already smooth. What trailed the quality student, by
    0.8 dB after a global gain, was the low band of its output (bands.py), and its E's low band
    was worse still (18.6 dB at sigma 16, the student's 21.8): hence losses.coarse_enhancement."""

    def __init__(self, illum_widths=(16, 32, 64), restore_widths=(32, 64, 128, 192), illum_scale=1, global_context=False):
        super().__init__()
        self.illum_scale = illum_scale
        self.illum = UNet(3, 3, list(illum_widths), global_context)
        self.restore = UNet(9, 3, list(restore_widths), global_context)
        nn.init.constant_(self.illum.out.bias, -1.5)
        nn.init.zeros_(self.restore.out.weight)
        nn.init.zeros_(self.restore.out.bias)

    def phase_a(self, x):
        L = EPS + (1 - EPS) * torch.sigmoid(self.illum(x))
        if self.illum_scale > 1:
            L = F.avg_pool2d(L, self.illum_scale, ceil_mode=True)
        return L

    def forward(self, x, return_parts=False):
        L = self.phase_a(x)
        Lu = upsample(L, self.illum_scale, x.shape[-2:]) if self.illum_scale > 1 else L
        E = torch.clamp(x / Lu, max=1.0)
        y = torch.clamp(E + self.restore(torch.cat([x, E, Lu], 1)), 0.0, 1.0)
        if return_parts:
            return {"L": L, "E": E, "y": y}
        return y


# network name -> (illum_scale, global_context). teacher-g: both U-Nets see the whole frame
# (teacher-s, without it, scored 19.0 dB on unseen scenes, while the whole-frame real-time
# student reached 21.0 on them).
TEACHERS = {"teacher": (1, False), "teacher-l4": (4, False), "teacher-g": (1, True)}


def build_teacher(name: str) -> RetinexTeacher:
    illum_scale, global_context = TEACHERS[name]
    return RetinexTeacher(illum_scale=illum_scale, global_context=global_context)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def count_macs(m: nn.Module, h=256, w=256) -> int:
    """Multiply-accumulates of one forward pass (fvcore convention: FLOPs/2 of conv/matmul)."""
    from torch.utils.flop_counter import FlopCounterMode
    x = torch.rand(1, 3, h, w)
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        m(x)
    return fc.get_total_flops() // 2
