"""The DDPM U-Net (Ho et al. 2020, App. B; their ``diffusion_tf/models/unet.py``),

Down path: a 3x3 conv to ``channels``, then per level ``blocks`` residual blocks of
``channels·multipliers[level]`` (self-attention after each where the resolution is in
``attention_at``) and a stride-2 conv between levels. Middle: residual, attention, residual.
Up path: per level ``blocks + 1`` residual blocks, each on the concatenation with the
matching down activation, nearest-neighbour 2x upsampling + 3x3 conv between levels. Out:
GroupNorm, SiLU, a zero-initialised 3x3 conv. A residual block is GroupNorm → SiLU → conv →
+ Dense(time embedding) → GroupNorm → SiLU → dropout → zero-initialised conv, plus the input
(through a 1x1 conv where the width changes). Sizes from 8x8 up work: each level halves the
resolution, so an image needs ``2**(len(multipliers) − 1)`` to divide its side. Weights start
from Flax's default initialisers (the original uses fan-average uniform ones), except the
zero-initialised layers named above.

Class-conditional (``num_classes`` > 0): a learned embedding of the label (with a null label
∅ for classifier-free guidance, :mod:`jaxgen.nn.labels`) is added to the time embedding, as
Ho & Salimans (2022, §4) condition their U-Net, so every residual block sees it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.nn.conv import Conv
from jaxgen.nn.labels import ClassEmbedding
from jaxgen.nn.time_embedding import TimeEmbedding


def zero_conv(features: int, kernel: int = 3) -> nn.Conv:
    return Conv(features, (kernel, kernel), kernel_init=nn.initializers.zeros)


class ResidualBlock(nn.Module, kw_only=True):
    features: int
    groups: int
    dropout: float

    @nn.compact
    def __call__(self, x: jax.Array, embedding: jax.Array, train: bool) -> jax.Array:
        h = nn.silu(nn.GroupNorm(self.groups)(x))
        h = Conv(self.features, (3, 3))(h)
        h = h + nn.Dense(self.features)(nn.silu(embedding))[:, None, None, :]
        h = nn.silu(nn.GroupNorm(self.groups)(h))
        h = nn.Dropout(self.dropout, deterministic=not train)(h)
        h = zero_conv(self.features)(h)
        if x.shape[-1] != self.features:
            x = Conv(self.features, (1, 1))(x)
        return x + h


class AttentionBlock(nn.Module, kw_only=True):
    """Single-head self-attention over the H·W positions, added to the input."""

    groups: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        b, h, w, c = x.shape
        qkv = nn.Dense(3 * c)(nn.GroupNorm(self.groups)(x)).reshape(b, h * w, 3, c)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        weights = jax.nn.softmax(jnp.einsum("bqc,bkc->bqk", q, k) / math.sqrt(c), axis=-1)
        out = jnp.einsum("bqk,bkc->bqc", weights, v).reshape(b, h, w, c)
        return x + nn.Dense(c, kernel_init=nn.initializers.zeros)(out)


def upsample(x: jax.Array) -> jax.Array:
    """Nearest-neighbour 2x upsampling."""
    return jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)


class UNet(nn.Module, kw_only=True):
    """ε_θ(x_t, t) (or x̂_0, v) for images (B, H, W, C), or ε_θ(x_t, t, y) with labels y (B,)
    when ``num_classes`` > 0; see the module docstring. ``train`` turns dropout on (it needs a
    ``"dropout"`` key).

    Attributes:
      channels: the width of the first level (the paper: 128).
      multipliers: each level's width as a multiple of ``channels``; one level per entry.
      blocks: the residual blocks per level on the down path (one more on the up path).
      attention_at: the sides (resolutions) at which self-attention follows each block.
      dropout: the residual blocks' dropout rate.
      groups: the GroupNorm groups; they must divide every width.
      num_classes: the classes of a class-conditional model (0: unconditional).
      outputs: the x-shaped outputs, stacked on the channel axis (2 for a learned reverse
        variance: the prediction and v, Nichol & Dhariwal 2021, §3.1).
    """

    channels: int = 128
    multipliers: Sequence[int] = (1, 2, 2, 2)
    blocks: int = 2
    attention_at: Sequence[int] = (16,)
    dropout: float = 0.1
    groups: int = 32
    num_classes: int = 0
    outputs: int = 1

    @nn.compact
    def __call__(
        self, x: jax.Array, t: jax.Array, labels: jax.Array | None = None, train: bool = False
    ) -> jax.Array:
        embedding = TimeEmbedding(base=self.channels)(t, x.dtype)
        if (labels is None) != (self.num_classes == 0):
            raise JaxgenError(
                f"a U-Net of num_classes={self.num_classes} was called "
                f"{'without' if labels is None else 'with'} labels; pass labels exactly when "
                "num_classes > 0"
            )
        if labels is not None:
            width = embedding.shape[-1]
            embedding = embedding + ClassEmbedding(num_classes=self.num_classes, features=width)(
                labels
            ).astype(embedding.dtype)
        block = dict(groups=self.groups, dropout=self.dropout)
        h = Conv(self.channels, (3, 3))(x)
        skips = [h]
        for level, multiplier in enumerate(self.multipliers):
            for _ in range(self.blocks):
                h = ResidualBlock(features=self.channels * multiplier, **block)(h, embedding, train)
                if h.shape[1] in self.attention_at:
                    h = AttentionBlock(groups=self.groups)(h)
                skips.append(h)
            if level < len(self.multipliers) - 1:
                h = Conv(h.shape[-1], (3, 3), strides=(2, 2))(h)
                skips.append(h)
        h = ResidualBlock(features=h.shape[-1], **block)(h, embedding, train)
        h = AttentionBlock(groups=self.groups)(h)
        h = ResidualBlock(features=h.shape[-1], **block)(h, embedding, train)
        for level, multiplier in reversed(list(enumerate(self.multipliers))):
            for _ in range(self.blocks + 1):
                h = jnp.concatenate([h, skips.pop()], axis=-1)
                h = ResidualBlock(features=self.channels * multiplier, **block)(h, embedding, train)
                if h.shape[1] in self.attention_at:
                    h = AttentionBlock(groups=self.groups)(h)
            if level > 0:
                h = Conv(h.shape[-1], (3, 3))(upsample(h))
        h = nn.silu(nn.GroupNorm(self.groups)(h))
        return zero_conv(self.outputs * x.shape[-1])(h)
