"""DCGAN generator and discriminator (Radford et al. 2016, §3 and Fig. 1).

Generator: z → Dense to a 4x4 map of width ``features · 2^(u−1)`` → (BatchNorm, ReLU) →
``u − 1`` stride-2 4x4 transposed convolutions halving the width, each with BatchNorm and ReLU
→ a final stride-2 transposed convolution to ``channels`` → tanh. Discriminator: the mirror
image with stride-2 4x4 convolutions doubling the width, LeakyReLU(0.2), BatchNorm on every
layer but the first (LayerNorm or none for a WGAN-GP critic), and a linear logit.
``u = log2(image_size / base_size)``; the paper's ``base_size`` is 4, so 64x64 images use
four resolution changes. For 8x8 digits a ``base_size`` of 2 (jaxgen's choice) gives both
networks two layers instead of one. Weights are initialised from N(0, 0.02) and BatchNorm
scales from N(1, 0.02) (§4); BatchNorm momentum 0.9 matches the reference code's 0.1
running-average update.

The stride-2 transposed convolutions are :class:`UpConv`, computed by output phase (the
"sub-pixel" form of Shi et al. 2016, §2.2): each of the four phases of the 2H x 2W output is
an ordinary stride-1 convolution of the input with a subset of the kernel's taps, all four in
one convolution with 4x the output channels, then interleaved. It equals a transposed
convolution (XLA's ``lhs_dilation``) but multiplies fewer zeros (for k = 4, 2.25x the FLOPs
of the ideal, against 4x for inserting zeros between input pixels) and runs 2-5x faster on
XLA:CPU from 4x4 inputs up; 2x2 inputs keep zero insertion (measured, see :class:`UpConv`).
``nn.ConvTranspose`` is not used: its weight gradient misses XLA:CPU's fast path.
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.kernels.conv import DIMENSIONS, conv_general_dilated
from jaxgen.nn.conv import Conv

WEIGHT_INIT = nn.initializers.normal(0.02)
PHASE_MIN_PIXELS = 16  # UpConv computes by phase from 4x4 inputs up (measured: see UpConv)


def _scale_init(key, shape, dtype=jnp.float32):
    return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(
        use_running_average=not train, momentum=0.9, epsilon=1e-5, scale_init=_scale_init
    )


def phase_taps(kernel: int) -> tuple[np.ndarray, int, int]:
    """Per spatial axis, which tap of a stride-2 transposed convolution's k-tap kernel each
    output phase uses at each input offset.

    The transposed convolution (zeros inserted, then a k-tap convolution padded by k//2 below)
    gives ``y[2i + a] = Σ_t W[t] · x[i + (a + t − k//2) / 2]`` over the taps t with
    a + t − k//2 even. Returns ``(taps, low, high)``: ``taps[u, a]`` is the tap applied to
    ``x[i + u − low]`` in phase a (``kernel``, an index past the last tap, where none is),
    and the input offsets run from −low to high.
    """
    offsets = {
        (a, t): (a + t - kernel // 2) // 2
        for a in (0, 1)
        for t in range(kernel)
        if (a + t - kernel // 2) % 2 == 0
    }
    low, high = -min(offsets.values()), max(offsets.values())
    taps = np.full((low + high + 1, 2), kernel)
    for (a, t), d in offsets.items():
        taps[d + low, a] = t
    return taps, low, high


def gather_taps(weights: jax.Array, taps: np.ndarray, axis: int) -> jax.Array:
    """``weights`` with axis ``axis`` replaced by the two axes of ``taps`` (tap k: zeros),
    built from static slices: a gather's gradient, a scatter, is slow on XLA:CPU."""
    zero = jnp.zeros_like(jax.lax.index_in_dim(weights, 0, axis, keepdims=False))
    pick = [
        zero if t == weights.shape[axis] else jax.lax.index_in_dim(weights, int(t), axis, False)
        for t in taps.reshape(-1)
    ]
    return jnp.stack(pick, axis).reshape(
        *weights.shape[:axis], *taps.shape, *weights.shape[axis + 1 :]
    )


class ConvWeights(nn.Module):
    """The kernel (k, k, in, out) and bias of a convolution, initialised as ``nn.Conv``'s."""

    shape: tuple[int, int, int, int]
    use_bias: bool

    @nn.compact
    def __call__(self) -> tuple[jax.Array, jax.Array | None]:
        kernel = self.param("kernel", WEIGHT_INIT, self.shape)
        bias = self.param("bias", nn.initializers.zeros, self.shape[-1:]) if self.use_bias else None
        return kernel, bias


def by_phase(x: jax.Array, weights: jax.Array) -> jax.Array:
    """The transposed convolution as one stride-1 convolution with 4x the output channels
    (``y[2i + a, 2j + b] = Σ_{u,v} x[i + u − low, j + v − low] · W[taps[u, a], taps[v, b]]``,
    zero where a phase has no tap), then the four phases interleaved."""
    n, h, w, c = x.shape
    features = weights.shape[-1]
    taps, low, high = phase_taps(weights.shape[0])
    phases = gather_taps(gather_taps(weights, taps, axis=0), taps, axis=2)  # (U, 2, U, 2, c, f)
    u = taps.shape[0]
    phases = phases.transpose(0, 2, 4, 1, 3, 5).reshape(u, u, c, 4 * features)
    y = conv_general_dilated(
        x, phases, (1, 1), ((low, high), (low, high)), dimension_numbers=DIMENSIONS
    )
    y = y.reshape(n, h, w, 2, 2, features).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, 2 * h, 2 * w, features)


def by_zero_insertion(x: jax.Array, weights: jax.Array) -> jax.Array:
    """The transposed convolution as zeros inserted between input pixels, then a k x k
    convolution padded by (k//2, (k − 1)//2)."""
    n, h, w, c = x.shape
    k = weights.shape[0]
    spread = jnp.zeros((n, h, 2, w, 2, c), x.dtype).at[:, :, 0, :, 0, :].set(x)
    pad = (k // 2, (k - 1) // 2)
    return conv_general_dilated(
        spread.reshape(n, 2 * h, 2 * w, c),
        weights,
        (1, 1),
        (pad, pad),
        dimension_numbers=DIMENSIONS,
    )


class UpConv(nn.Module):
    """Stride-2, k x k transposed convolution, output 2H x 2W.

    For k = 4 (DCGAN) it equals ``lax.conv_general_dilated(x, W, (1, 1), ((2, 2), (2, 2)),
    lhs_dilation=(2, 2))`` (tested), PyTorch's ``ConvTranspose2d(k=4, stride=2, padding=1)``;
    for k = 3 PyTorch's ``ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)``
    (CycleGAN). Inputs of at least ``PHASE_MIN_PIXELS`` pixels take :func:`by_phase`, smaller
    ones :func:`by_zero_insertion`: a train step's forward and backward pass through one
    layer (``python -m benchmarks.upconv_layers``; ms, zero insertion → by phase) went
    1.7 → 0.4 (64x4x4x64→1), 129 → 64 (128x4x4x256→128), 297 → 86 (128x8x8x128→64) and
    123 → 26 (128x16x16x64→3), but 6.4 → 47 on a 2x2 input (64x2x2x128→64), whose
    stride-1 weight gradient misses XLA:CPU's fast path. Those timings are from XLA's own
    convolutions, before they moved to oneDNN (jaxgen/kernels); not re-measured since.
    Parameters are named as
    ``nn.Conv``'s (``Conv_0/kernel``, ``Conv_0/bias``).
    """

    features: int
    use_bias: bool = True
    kernel: int = 4

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, c = self.kernel, x.shape[-1]
        weights, bias = ConvWeights((k, k, c, self.features), self.use_bias, name="Conv_0")()
        dtype = jnp.result_type(x, weights)
        x, weights = x.astype(dtype), weights.astype(dtype)
        upsample = by_phase if x.shape[1] * x.shape[2] >= PHASE_MIN_PIXELS else by_zero_insertion
        y = upsample(x, weights)
        return y if bias is None else y + bias.astype(dtype)[None, None, None]


def resolution_changes(image_size: int, base_size: int) -> int:
    """log2(image_size / base_size): the stride-2 layers between the base map and the image."""
    steps = math.log2(image_size / base_size)
    if image_size > 128 or steps < 1 or steps != int(steps):
        raise ValueError(
            f"DCGAN needs a power-of-two image size from 2·base_size={2 * base_size} to 128, "
            f"got {image_size}"
        )
    return int(steps)


class DCGANGenerator(nn.Module):
    image_size: int
    channels: int
    features: int = 64
    base_size: int = 4

    @nn.compact
    def __call__(self, z: jax.Array, train: bool) -> jax.Array:
        ups = resolution_changes(self.image_size, self.base_size)
        width = self.features * 2 ** (ups - 1)
        side = self.base_size
        x = nn.Dense(side * side * width, use_bias=False, kernel_init=WEIGHT_INIT)(z)
        x = nn.relu(_batch_norm(train)(x.reshape(-1, side, side, width)))
        for _ in range(ups - 1):
            width //= 2
            x = UpConv(width, use_bias=False)(x)
            x = nn.relu(_batch_norm(train)(x))
        x = UpConv(self.channels)(x)
        return jnp.tanh(x)


NORMALIZATIONS = ("batch", "layer", "none")


class DCGANDiscriminator(nn.Module):
    """``normalization`` after every convolution but the first: DCGAN's ``"batch"``, or for a
    WGAN-GP critic, whose penalty needs each score to depend on its own example only
    (Gulrajani et al. 2017, §4), ``"layer"`` (their recommended drop-in) or ``"none"``."""

    image_size: int
    features: int = 64
    base_size: int = 4
    normalization: str = "batch"

    def _normalize(self, x: jax.Array, train: bool) -> jax.Array:
        if self.normalization == "batch":
            return _batch_norm(train)(x)
        if self.normalization == "layer":
            return nn.LayerNorm(epsilon=1e-5)(x)
        return x

    @nn.compact
    def __call__(self, x: jax.Array, train: bool) -> jax.Array:
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"unknown discriminator normalization {self.normalization!r}; "
                f"use one of {NORMALIZATIONS}"
            )
        downs = resolution_changes(self.image_size, self.base_size)
        width = self.features
        x = nn.leaky_relu(Conv(width, (4, 4), (2, 2), "SAME", kernel_init=WEIGHT_INIT)(x), 0.2)
        for _ in range(downs - 1):
            width *= 2
            no_bias = self.normalization == "batch"  # BatchNorm's shift replaces the bias
            conv = Conv(
                width, (4, 4), (2, 2), "SAME", use_bias=not no_bias, kernel_init=WEIGHT_INIT
            )
            x = nn.leaky_relu(self._normalize(conv(x), train), 0.2)
        return nn.Dense(1, kernel_init=WEIGHT_INIT)(x.reshape(x.shape[0], -1))
