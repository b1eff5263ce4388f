"""IAT, the Illumination-Adaptive Transformer (Cui et al., BMVC 2022): the strong teacher.

Written from the paper and from the tensor names and shapes of the released LOL-v1 weights
(`../shared/teachers/iat-lol-v1/best_Epoch_lol_v1.pth`, Apache-2.0), which load into it with
`strict=True`. It is only ever run at training time, to label pictures for the students; its weights
are read from `../shared` and never committed or shipped.

- Local branch: a 3x3 conv (leaky ReLU 0.2) to 16 channels, then two stacks of three conv
  "transformer" blocks, one predicting a per-pixel multiplier (ReLU head) and one an offset (tanh
  head), each with a residual around its stack.
- Global branch: two stride-2 convs (batch norm, GELU) embed the picture; ten learned queries attend
  to it (4 heads); one query becomes a gamma, nine a 3x3 colour matrix, each added to a base.
- Output: clamp((x * mul + add) @ colour^T, 1e-8, 1) ** gamma (the network's own clamp; callers
  clamp to [0, 1] again).

`illumination()` reads the teacher in the students' Retinex terms: the gain it applies, as an
illumination L = x / y at the students' quarter scale (brightness knowledge), and `exposure()` the
global part alone (what its queries decide for the whole picture).
"""
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
DEFAULT_WEIGHTS = HERE.parent.parent / "shared" / "teachers" / "iat-lol-v1" / "best_Epoch_lol_v1.pth"


class ChannelAffine(nn.Module):
    """IAT's normalisation stand-in: a learned channel mixing, then a per-channel scale and shift,
    on channels-last tokens."""

    def __init__(self, dim):
        super().__init__()
        self.alpha = nn.Parameter(torch.ones(1, 1, dim))
        self.beta = nn.Parameter(torch.zeros(1, 1, dim))
        self.color = nn.Parameter(torch.eye(dim))

    def forward(self, tokens):
        return (tokens @ self.color.T) * self.alpha + self.beta


class ConvMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


def _channels_last_apply(norm, x):
    B, C, H, W = x.shape
    return norm(x.flatten(2).transpose(1, 2)).transpose(1, 2).reshape(B, C, H, W)


class ConvTransformerBlock(nn.Module):
    """Position embedding (depthwise 3x3), then a depthwise 5x5 "attention" between two 1x1 convs
    and a 1x1 MLP, each as a layer-scaled residual after its ChannelAffine."""

    def __init__(self, dim, mlp_ratio=4):
        super().__init__()
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = ChannelAffine(dim)
        self.conv1 = nn.Conv2d(dim, dim, 1)
        self.attn = nn.Conv2d(dim, dim, 5, padding=2, groups=dim)
        self.conv2 = nn.Conv2d(dim, dim, 1)
        self.norm2 = ChannelAffine(dim)
        self.mlp = ConvMlp(dim, dim * mlp_ratio)
        self.gamma_1 = nn.Parameter(torch.full((1, dim, 1, 1), 1e-4))
        self.gamma_2 = nn.Parameter(torch.full((1, dim, 1, 1), 1e-4))

    def forward(self, x):
        x = x + self.pos_embed(x)
        x = x + self.gamma_1 * self.conv2(self.attn(self.conv1(_channels_last_apply(self.norm1, x))))
        return x + self.gamma_2 * self.mlp(_channels_last_apply(self.norm2, x))


class LocalBranch(nn.Module):
    def __init__(self, dim=16, blocks=3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, dim, 3, padding=1)
        self.mul_blocks = nn.Sequential(*(ConvTransformerBlock(dim) for _ in range(blocks)))
        self.add_blocks = nn.Sequential(*(ConvTransformerBlock(dim) for _ in range(blocks)))
        self.mul_end = nn.Sequential(nn.Conv2d(dim, 3, 3, padding=1), nn.ReLU())
        self.add_end = nn.Sequential(nn.Conv2d(dim, 3, 3, padding=1), nn.Tanh())

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        return self.mul_end(self.mul_blocks(h) + h), self.add_end(self.add_blocks(h) + h)


class QueryAttention(nn.Module):
    """Ten learned queries attend to the picture's tokens (no residual: the queries are the output)."""

    def __init__(self, dim, heads, queries=10):
        super().__init__()
        self.heads = heads
        self.q = nn.Parameter(torch.ones(1, queries, dim))
        self.k = nn.Linear(dim, dim, bias=False)
        self.v = nn.Linear(dim, dim, bias=False)
        self.proj = nn.Linear(dim, dim)

    def forward(self, tokens):
        B, N, C = tokens.shape
        h, d = self.heads, C // self.heads
        k = self.k(tokens).reshape(B, N, h, d).transpose(1, 2)
        v = self.v(tokens).reshape(B, N, h, d).transpose(1, 2)
        q = self.q.expand(B, -1, -1).reshape(B, -1, h, d).transpose(1, 2)
        a = ((q @ k.transpose(-2, -1)) * d ** -0.5).softmax(-1)
        return self.proj((a @ v).transpose(1, 2).reshape(B, -1, C))


class TokenMlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class QueryBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.pos_embed = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = QueryAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = TokenMlp(dim, 4 * dim)

    def forward(self, x):
        x = x + self.pos_embed(x)
        q = self.attn(self.norm1(x.flatten(2).transpose(1, 2)))
        return q + self.mlp(self.norm2(q))


class ConvEmbedding(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        self.proj = nn.Sequential(nn.Conv2d(cin, dim // 2, 3, stride=2, padding=1), nn.BatchNorm2d(dim // 2), nn.GELU(),
                                  nn.Conv2d(dim // 2, dim, 3, stride=2, padding=1), nn.BatchNorm2d(dim))

    def forward(self, x):
        return self.proj(x)


class GlobalBranch(nn.Module):
    def __init__(self, dim=64, heads=4):
        super().__init__()
        self.gamma_base = nn.Parameter(torch.ones(1))
        self.color_base = nn.Parameter(torch.eye(3))
        self.conv_large = ConvEmbedding(3, dim)
        self.generator = QueryBlock(dim, heads)
        self.gamma_linear = nn.Linear(dim, 1)
        self.color_linear = nn.Linear(dim, 1)

    def forward(self, x):
        q = self.generator(self.conv_large(x))
        gamma = self.gamma_linear(q[:, 0]) + self.gamma_base                      # B x 1
        colour = self.color_linear(q[:, 1:]).squeeze(-1).view(-1, 3, 3) + self.color_base  # B x 3 x 3
        return gamma, colour


class IAT(nn.Module):
    def __init__(self):
        super().__init__()
        self.local_net = LocalBranch()
        self.global_net = GlobalBranch()

    def forward(self, x, return_parts=False):
        mul, add = self.local_net(x)
        local = x * mul + add
        gamma, colour = self.global_net(x)
        y = torch.einsum("bchw,bdc->bdhw", local, colour).clamp(1e-8, 1.0) ** gamma[:, :, None, None]
        y = y.clamp(0.0, 1.0)
        if return_parts:
            return {"y": y, "mul": mul, "add": add, "gamma": gamma, "colour": colour}
        return y


def load_iat(path=DEFAULT_WEIGHTS):
    """The released weights in our module, in eval mode (batch norm on its running statistics)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"IAT weights not found: {path}")
    m = IAT()
    m.load_state_dict(torch.load(path, map_location="cpu", weights_only=True), strict=True)
    return m.eval()


def quarter_illumination(x, y, eps=0.01):
    """The teacher's brightening read as a Retinex illumination at the students' quarter scale:
    L = mean4x4(x) / mean4x4(y), clamped to [eps, 1] (a gain map: where y = x / L the student's
    division would reproduce the teacher's exposure)."""
    px = F.avg_pool2d(x.mean(1, keepdim=True), 4, ceil_mode=True)
    py = F.avg_pool2d(y.mean(1, keepdim=True), 4, ceil_mode=True)
    return (px / py.clamp(min=1e-3)).clamp(eps, 1.0).expand(-1, 3, -1, -1)
