"""Retinex-KD losses: reconstruction, the three teacher terms, the self-calibration term."""
import torch
import torch.nn.functional as F


def _gauss(c, device, dtype):
    g = torch.exp(-(torch.arange(11, device=device, dtype=torch.float32) - 5) ** 2 / (2 * 1.5 ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).expand(c, 1, 11, 11).to(dtype)


def ssim(a, b):
    """Mean SSIM on [0,1] tensors (11x11 Gaussian, sigma 1.5, valid window), per channel."""
    c = a.shape[1]
    w = _gauss(c, a.device, a.dtype)
    f = lambda z: F.conv2d(z, w, groups=c)
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    ma, mb = f(a), f(b)
    saa, sbb, sab = f(a * a) - ma * ma, f(b * b) - mb * mb, f(a * b) - ma * mb
    m = ((2 * ma * mb + C1) * (2 * sab + C2)) / ((ma * ma + mb * mb + C1) * (saa + sbb + C2))
    return m.mean()


def reconstruction(y, gt, w_ssim):
    return F.l1_loss(y, gt) + w_ssim * (1 - ssim(y, gt))


def blur(z, sigma):
    """Separable Gaussian blur (radius 3 sigma, reflected edges) of an NCHW tensor."""
    r = int(3 * sigma)
    t = torch.arange(-r, r + 1, dtype=torch.float32, device=z.device)
    g = torch.exp(-t ** 2 / (2 * sigma * sigma))
    g = (g / g.sum()).to(z.dtype)
    c = z.shape[1]
    z = F.pad(z, (r, r, r, r), mode="reflect")
    z = F.conv2d(z, g.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(z, g.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def colour_angle(a, b):
    """Mean angle-like distance between RGB vectors: 1 - cos."""
    return (1 - F.cosine_similarity(a, b, dim=1, eps=1e-4)).mean()


def gradients(z):
    return z[..., :, 1:] - z[..., :, :-1], z[..., 1:, :] - z[..., :-1, :]


def texture(a, b):
    (ax, ay), (bx, by) = gradients(a), gradients(b)
    return F.l1_loss(ax, bx) + F.l1_loss(ay, by)


def at_scale(L_full, like):
    """A full-resolution illumination map brought to the student's reduced scale (area average)."""
    return F.adaptive_avg_pool2d(L_full, like.shape[-2:])


def illumination_prior(L, low, gt):
    """Retinex: low = R * L with R ~ gt, so L ~ low / gt, smoothed; compared at L's own scale."""
    lo = F.adaptive_avg_pool2d(low, L.shape[-2:])
    hi = F.adaptive_avg_pool2d(gt, L.shape[-2:])
    target = (lo / hi.clamp(min=0.02)).clamp(0.01, 1.0)
    return F.l1_loss(L, target)


def coarse_enhancement(E, gt, L):
    """Retinex consistency in image space: E = x / L and the ground truth, both area-averaged to
    L's scale, agree. The illumination prior asks the same of L, but an error dL costs E / L times
    as much in E, so on a dark frame the prior barely binds; this term makes L carry the regional
    brightness (the low frequencies), leaving the restorer the local work."""
    return F.l1_loss(at_scale(E, L), at_scale(gt, L))


def self_calibration(phase_a, x, L):
    """Exposure equivariance of the illumination estimate: L(k x) = clamp(k L(x)).

    It keeps the estimate a physical exposure rather than a free latent, which is what temporal
    smoothing and exposure changes in video rely on. Costs nothing at inference."""
    k = torch.empty(x.shape[0], 1, 1, 1, device=x.device).uniform_(0.5, 1.6)
    Lk = phase_a((x * k).clamp(0, 1))
    return F.l1_loss(Lk, (L.detach() * k).clamp(0.01, 1.0))
