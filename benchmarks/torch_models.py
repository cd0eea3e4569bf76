"""jaxgen's convolutional default models written in PyTorch, for ``benchmarks.versus_pytorch``.

Each network is jaxgen's layer for layer (the same parameter count, tested in
``tests/test_benchmarks.py``), so the two frameworks' train steps do the same arithmetic:

* :func:`torch_dcgan`: ``jaxgen/nn/dcgan.py`` at 32x32 (Radford et al. 2016);
* :class:`TorchUNet`: ``jaxgen/nn/unet.py``, the DDPM U-Net (Ho et al. 2020, App. B);
* :class:`TorchRealNVP`: ``jaxgen.flows.models.realnvp`` (Dinh et al. 2017, §3.6, §4.1) with
  its CNN conditioners, ActNorm and the logit transform.

Layouts are PyTorch's own (NCHW), as a researcher would write them. GroupNorm's ε is Flax's
1e-6. Initialisation follows jaxgen where it shapes the computation (zero-initialised last
layers make a coupling the identity); elsewhere PyTorch's defaults stand, which changes no
cost.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812


def torch_dcgan(latent: int = 100, features: int = 64, channels: int = 3):
    """jaxgen's DCGAN 32x32 (base 4x4, three resolution changes), with the paper's N(0, 0.02)
    initialisation."""
    width = features * 4

    def up(cin, cout, bias=False):
        return nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=bias)

    def down(cin, cout, bias=False):
        return nn.Conv2d(cin, cout, 4, 2, 1, bias=bias)

    generator = nn.Sequential(
        nn.Linear(latent, 4 * 4 * width, bias=False),
        nn.Unflatten(1, (width, 4, 4)),
        nn.BatchNorm2d(width, momentum=0.1),
        nn.ReLU(),
        up(width, width // 2),
        nn.BatchNorm2d(width // 2),
        nn.ReLU(),
        up(width // 2, width // 4),
        nn.BatchNorm2d(width // 4),
        nn.ReLU(),
        up(width // 4, channels, bias=True),
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        down(channels, features, bias=True),
        nn.LeakyReLU(0.2),
        down(features, 2 * features),
        nn.BatchNorm2d(2 * features),
        nn.LeakyReLU(0.2),
        down(2 * features, 4 * features),
        nn.BatchNorm2d(4 * features),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(4 * 4 * 4 * features, 1),
    )
    for module in (*generator, *discriminator):
        if isinstance(module, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(module.weight, 0.0, 0.02)
    return generator, discriminator


def group_norm(groups: int, channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(groups, channels, eps=1e-6)  # Flax's ε


def zero_init(module: nn.Module) -> nn.Module:
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class TorchResidualBlock(nn.Module):
    """GroupNorm → SiLU → conv → + Dense(embedding) → GroupNorm → SiLU → dropout → zero conv,
    plus the input (through a 1x1 conv where the width changes)."""

    def __init__(self, cin: int, cout: int, embedding: int, groups: int, dropout: float):
        super().__init__()
        self.norm1, self.conv1 = group_norm(groups, cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.embed = nn.Linear(embedding, cout)
        self.norm2, self.dropout = group_norm(groups, cout), nn.Dropout(dropout)
        self.conv2 = zero_init(nn.Conv2d(cout, cout, 3, padding=1))
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, embedding):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.embed(F.silu(embedding))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class TorchAttention(nn.Module):
    """Single-head self-attention over the H·W positions, added to the input."""

    def __init__(self, channels: int, groups: int):
        super().__init__()
        self.norm, self.qkv = group_norm(groups, channels), nn.Linear(channels, 3 * channels)
        self.out = zero_init(nn.Linear(channels, channels))

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x).flatten(2).transpose(1, 2)).chunk(3, dim=-1)
        weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        return x + self.out(weights @ v).transpose(1, 2).reshape(b, c, h, w)


class TorchUNetStage(nn.Module):
    """A residual block, then attention where the resolution asks for it."""

    def __init__(self, block: TorchResidualBlock, attention: TorchAttention | None):
        super().__init__()
        self.block, self.attention = block, attention

    def forward(self, x, embedding):
        h = self.block(x, embedding)
        return h if self.attention is None else self.attention(h)


class TorchUNet(nn.Module):
    """ε_θ(x_t, t) with jaxgen's ``UNet`` fields (``side``: the image's height and width)."""

    def __init__(
        self, image_channels, side, channels, multipliers, blocks, attention_at, dropout, groups
    ):
        super().__init__()
        self.channels, embedding = channels, 4 * channels

        def stage(cin, cout, resolution):
            block = TorchResidualBlock(cin, cout, embedding, groups, dropout)
            attention = TorchAttention(cout, groups) if resolution in attention_at else None
            return TorchUNetStage(block, attention)

        self.time = nn.Sequential(
            nn.Linear(channels, embedding), nn.SiLU(), nn.Linear(embedding, embedding)
        )
        self.stem = nn.Conv2d(image_channels, channels, 3, padding=1)
        self.down, skip_widths = nn.ModuleList(), [channels]
        width, resolution = channels, side
        for level, multiplier in enumerate(multipliers):
            for _ in range(blocks):
                self.down.append(stage(width, channels * multiplier, resolution))
                width = channels * multiplier
                skip_widths.append(width)
            if level < len(multipliers) - 1:
                self.down.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
                resolution //= 2
                skip_widths.append(width)
        self.middle = nn.ModuleList(
            [
                TorchResidualBlock(width, width, embedding, groups, dropout),
                TorchAttention(width, groups),
                TorchResidualBlock(width, width, embedding, groups, dropout),
            ]
        )
        self.up = nn.ModuleList()
        for level, multiplier in reversed(list(enumerate(multipliers))):
            for _ in range(blocks + 1):
                cin = width + skip_widths.pop()
                width = channels * multiplier
                self.up.append(stage(cin, width, resolution))
            if level > 0:
                self.up.append(nn.Conv2d(width, width, 3, padding=1))
                resolution *= 2
        self.head_norm = group_norm(groups, width)
        self.head = zero_init(nn.Conv2d(width, image_channels, 3, padding=1))

    def timestep_embedding(self, t):
        """jaxgen's sinusoids: [sin(t·ω_k), cos(t·ω_k)], ω_k = 10000^(−k/(half − 1))."""
        half = self.channels // 2
        frequencies = torch.exp(-math.log(10000.0) * torch.arange(half) / (half - 1))
        angles = t.float()[:, None] * frequencies[None]
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)

    def forward(self, x, t):
        embedding = self.time(self.timestep_embedding(t))
        h = self.stem(x)
        skips = [h]
        for module in self.down:
            h = module(h, embedding) if isinstance(module, TorchUNetStage) else module(h)
            skips.append(h)
        first, attention, second = self.middle
        h = second(attention(first(h, embedding)), embedding)
        for module in self.up:
            if isinstance(module, TorchUNetStage):
                h = module(torch.cat([h, skips.pop()], dim=1), embedding)
            else:
                h = module(F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.head(F.silu(self.head_norm(h)))


def checkerboard(channels: int, side: int, flip: bool) -> torch.Tensor:
    """1 where (row + column) is even (odd if ``flip``), shape (1, C, H, W)."""
    rows = torch.arange(side)
    board = ((rows[:, None] + rows[None, :]) % 2 == int(flip)).float()
    return board.expand(1, channels, side, side).clone()


def channel_mask(channels: int, side: int, flip: bool) -> torch.Tensor:
    """1 on the first half of the channels (the second half if ``flip``)."""
    half = (torch.arange(channels) < (channels + 1) // 2).float()
    half = 1.0 - half if flip else half
    return half[None, :, None, None].expand(1, channels, side, side).clone()


class TorchCoupling(nn.Module):
    """ActNorm, then the affine coupling z = x·m + (1 − m)·(x·exp(c·tanh h) + t) with (h, t)
    from jaxgen's ``CouplingCNN`` on x·m; returns z and the two layers' log|det| per example."""

    def __init__(self, mask: torch.Tensor, width: int, depth: int):
        super().__init__()
        channels = mask.shape[1]
        self.register_buffer("mask", mask)
        self.bias = nn.Parameter(torch.zeros(channels))
        self.log_scale = nn.Parameter(torch.zeros(channels))
        layers = [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
        for _ in range(depth):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU()]
        layers += [nn.Conv2d(width, width, 1), nn.ReLU()]
        layers += [zero_init(nn.Conv2d(width, 2 * channels, 3, padding=1))]
        self.net = nn.Sequential(*layers)
        self.scale = nn.Parameter(torch.ones(mask.shape[1:]))

    def forward(self, x):
        positions = x.shape[2] * x.shape[3]
        x = (x + self.bias[:, None, None]) * torch.exp(self.log_scale)[:, None, None]
        h, shift = self.net(x * self.mask).chunk(2, dim=1)
        log_s = self.scale[None] * torch.tanh(h)
        z = x * self.mask + (1 - self.mask) * (x * torch.exp(log_s) + shift)
        log_det = ((1 - self.mask) * log_s).flatten(1).sum(1) + positions * self.log_scale.sum()
        return z, log_det


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """Each 2x2xC block becomes 1x1x4C, channel (2·dy + dx)·C + c as in jaxgen's ``Squeeze``."""
    n, c, h, w = x.shape
    x = x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 3, 5, 1, 2, 4)
    return x.reshape(n, 4 * c, h // 2, w // 2)


class TorchRealNVP(nn.Module):
    """jaxgen's ``realnvp(image_shape, scales, width, depth, logit_alpha)``: returns z
    (flattened, factored halves first) and log|det| per example."""

    def __init__(self, channels: int, side: int, scales: int, width: int, depth: int, alpha):
        super().__init__()
        # a stage is a list of parts, a squeeze between them: per scale but the last, the
        # checkerboard couplings, then the channel-wise ones; the last scale, checkerboards only
        self.alpha, self.stages = alpha, nn.ModuleList()
        c, s = channels, side
        for _ in range(scales - 1):
            board = [TorchCoupling(checkerboard(c, s, f), width, depth) for f in (0, 1, 0)]
            c, s = 4 * c, s // 2
            split = [TorchCoupling(channel_mask(c, s, f), width, depth) for f in (0, 1, 0)]
            self.stages.append(nn.ModuleList([nn.ModuleList(board), nn.ModuleList(split)]))
            c //= 2
        last = [TorchCoupling(checkerboard(c, s, f), width, depth) for f in (0, 1, 0, 1)]
        self.stages.append(nn.ModuleList([nn.ModuleList(last)]))

    def forward(self, x):
        a = self.alpha
        p = a + (1 - 2 * a) * (x + 0.5)
        total = (math.log(1 - 2 * a) - torch.log(p) - torch.log1p(-p)).flatten(1).sum(1)
        x, pieces = torch.log(p) - torch.log1p(-p), []
        for i, stage in enumerate(self.stages):
            for part, couplings in enumerate(stage):
                if part:
                    x = squeeze(x)
                for coupling in couplings:
                    x, log_det = coupling(x)
                    total = total + log_det
            if i < len(self.stages) - 1:
                half = x.shape[1] // 2
                pieces.append(x[:, :half].flatten(1))
                x = x[:, half:]
        pieces.append(x.flatten(1))
        return torch.cat(pieces, dim=1), total
