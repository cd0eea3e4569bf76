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

The stride-2 transposed convolutions are :class:`UpConv`: zeros inserted between input pixels,
then an ordinary 4x4 convolution. That is exactly a transposed convolution (XLA's
``lhs_dilation``), but its gradient runs ~3x faster on XLA:CPU than ``nn.ConvTranspose``'s
(measured by ``make bench``; the weight gradient of a dilated convolution misses the fast
path there).
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

WEIGHT_INIT = nn.initializers.normal(0.02)


def _scale_init(key, shape, dtype=jnp.float32):
    return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(
        use_running_average=not train, momentum=0.9, epsilon=1e-5, scale_init=_scale_init
    )


class UpConv(nn.Module):
    """Stride-2, k x k transposed convolution: y = conv(insert_zeros(x), W), output 2H x 2W.

    For k = 4 (DCGAN) it equals ``lax.conv_general_dilated(x, W, (1, 1), ((2, 2), (2, 2)),
    lhs_dilation=(2, 2))`` (tested), PyTorch's ``ConvTranspose2d(k=4, stride=2, padding=1)``;
    for k = 3 PyTorch's ``ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)``
    (CycleGAN). Written as an explicit zero-insertion so that XLA:CPU uses its fast
    convolution.
    """

    features: int
    use_bias: bool = True
    kernel: int = 4

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        n, h, w, c = x.shape
        spread = jnp.zeros((n, h, 2, w, 2, c), x.dtype).at[:, :, 0, :, 0, :].set(x)
        spread = spread.reshape(n, 2 * h, 2 * w, c)
        k = self.kernel
        conv = nn.Conv(
            self.features,
            (k, k),
            padding=((k // 2, (k - 1) // 2), (k // 2, (k - 1) // 2)),
            use_bias=self.use_bias,
            kernel_init=WEIGHT_INIT,
        )
        return conv(spread)


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
        x = nn.leaky_relu(nn.Conv(width, (4, 4), (2, 2), "SAME", kernel_init=WEIGHT_INIT)(x), 0.2)
        for _ in range(downs - 1):
            width *= 2
            no_bias = self.normalization == "batch"  # BatchNorm's shift replaces the bias
            conv = nn.Conv(
                width, (4, 4), (2, 2), "SAME", use_bias=not no_bias, kernel_init=WEIGHT_INIT
            )
            x = nn.leaky_relu(self._normalize(conv(x), train), 0.2)
        return nn.Dense(1, kernel_init=WEIGHT_INIT)(x.reshape(x.shape[0], -1))
