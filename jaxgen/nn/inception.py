"""The Inception-v3 of FID and IS: the network of TensorFlow's 2015-12-05 graph
(``inception-2015-12-05.tgz``) as pytorch-fid rebuilds it (``pytorch_fid.inception``), layer
for layer, so that its weights file converts name for name (:mod:`jaxgen.metrics.inception`).

Inception-v3 (Szegedy et al. 2016, Fig. 5-7) with the FID network's differences from
torchvision's:

* the average pools of the A, C and first E blocks exclude the padding from their mean
  (TensorFlow's ``avg_pool``; ``count_include_pad=False``);
* the second E block (``Mixed_7c``) pools by a 3x3 max, not an average;
* the head has 1008 classes (the graph's ``softmax/logits``), not 1000.

Every convolution is ``BasicConv``: convolution without bias, BatchNorm with ε = 1e-3 on its
running statistics, ReLU. The input is resized bilinearly to 299x299 (half-pixel centres, no
antialiasing: ``F.interpolate(..., mode="bilinear", align_corners=False)``) and mapped from
[0, 1] to [−1, 1] by 2x − 1, as pytorch-fid does. The outputs are the 2048 pool3 features
(the mean over the last 8x8 map), ``logits = pool3 W + b`` (1008), and ``pool3 W``, the
logits Salimans et al.'s Inception Score code takes (``softmax/logits/MatMul``, no bias).
"""

from __future__ import annotations

import functools
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import struct

from jaxgen.nn.conv import Conv

INPUT_SIZE = 299
NUM_FEATURES = 2048
NUM_CLASSES = 1008


class InceptionOutput(struct.PyTreeNode):
    """``features``: pool3 (N, 2048); ``logits``: (N, 1008) with the head's bias;
    ``logits_unbiased``: (N, 1008) without it (the Inception Score's)."""

    features: jax.Array
    logits: jax.Array
    logits_unbiased: jax.Array


class BasicConv(nn.Module, kw_only=True):
    """Convolution (no bias) → BatchNorm (ε = 1e-3, running statistics) → ReLU; ``padding``
    is (rows, columns) added on each side, as ``torch.nn.Conv2d``'s."""

    features: int
    kernel: tuple[int, int]
    strides: int = 1
    padding: tuple[int, int] = (0, 0)
    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        rows, cols = self.padding
        x = Conv(
            features=self.features,
            kernel_size=self.kernel,
            strides=self.strides,
            padding=((rows, rows), (cols, cols)),
            use_bias=False,
            dtype=self.dtype,
            precision=jax.lax.Precision.HIGHEST,
            name="conv",
        )(x)
        x = nn.BatchNorm(use_running_average=True, epsilon=1e-3, dtype=self.dtype, name="bn")(x)
        return nn.relu(x)


def _average_pool(x):
    """3x3 average, stride 1, padding 1, the padding excluded from the mean (TensorFlow's)."""
    return nn.avg_pool(x, (3, 3), strides=(1, 1), padding=((1, 1), (1, 1)), count_include_pad=False)


def _max_pool_halving(x):
    """3x3 max, stride 2, no padding."""
    return nn.max_pool(x, (3, 3), strides=(2, 2))


class InceptionA(nn.Module, kw_only=True):
    """Mixed_5b-5d: 1x1 | 1x1→5x5 | 1x1→3x3→3x3 | average pool→1x1 (``pool_features``)."""

    pool_features: int
    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        conv = functools.partial(BasicConv, dtype=self.dtype)
        b1 = conv(name="branch1x1", features=64, kernel=(1, 1))(x)
        b5 = conv(name="branch5x5_1", features=48, kernel=(1, 1))(x)
        b5 = conv(name="branch5x5_2", features=64, kernel=(5, 5), padding=(2, 2))(b5)
        b3 = conv(name="branch3x3dbl_1", features=64, kernel=(1, 1))(x)
        b3 = conv(name="branch3x3dbl_2", features=96, kernel=(3, 3), padding=(1, 1))(b3)
        b3 = conv(name="branch3x3dbl_3", features=96, kernel=(3, 3), padding=(1, 1))(b3)
        pool = conv(name="branch_pool", features=self.pool_features, kernel=(1, 1))(
            _average_pool(x)
        )
        return jnp.concatenate([b1, b5, b3, pool], axis=-1)


class InceptionB(nn.Module, kw_only=True):
    """Mixed_6a, halving: 3x3/2 | 1x1→3x3→3x3/2 | max pool/2."""

    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        conv = functools.partial(BasicConv, dtype=self.dtype)
        b3 = conv(name="branch3x3", features=384, kernel=(3, 3), strides=2)(x)
        bd = conv(name="branch3x3dbl_1", features=64, kernel=(1, 1))(x)
        bd = conv(name="branch3x3dbl_2", features=96, kernel=(3, 3), padding=(1, 1))(bd)
        bd = conv(name="branch3x3dbl_3", features=96, kernel=(3, 3), strides=2)(bd)
        return jnp.concatenate([b3, bd, _max_pool_halving(x)], axis=-1)


class InceptionC(nn.Module, kw_only=True):
    """Mixed_6b-6e: 1x1 | factorised 7x7 | twice-factorised 7x7 (``channels_7x7`` inside)
    | average pool→1x1."""

    channels_7x7: int
    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        conv = functools.partial(BasicConv, dtype=self.dtype)
        c7 = self.channels_7x7
        row, col = {"kernel": (1, 7), "padding": (0, 3)}, {"kernel": (7, 1), "padding": (3, 0)}
        b1 = conv(name="branch1x1", features=192, kernel=(1, 1))(x)
        b7 = conv(name="branch7x7_1", features=c7, kernel=(1, 1))(x)
        b7 = conv(name="branch7x7_2", features=c7, **row)(b7)
        b7 = conv(name="branch7x7_3", features=192, **col)(b7)
        bd = conv(name="branch7x7dbl_1", features=c7, kernel=(1, 1))(x)
        bd = conv(name="branch7x7dbl_2", features=c7, **col)(bd)
        bd = conv(name="branch7x7dbl_3", features=c7, **row)(bd)
        bd = conv(name="branch7x7dbl_4", features=c7, **col)(bd)
        bd = conv(name="branch7x7dbl_5", features=192, **row)(bd)
        pool = conv(name="branch_pool", features=192, kernel=(1, 1))(_average_pool(x))
        return jnp.concatenate([b1, b7, bd, pool], axis=-1)


class InceptionD(nn.Module, kw_only=True):
    """Mixed_7a, halving: 1x1→3x3/2 | 1x1→1x7→7x1→3x3/2 | max pool/2."""

    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        conv = functools.partial(BasicConv, dtype=self.dtype)
        b3 = conv(name="branch3x3_1", features=192, kernel=(1, 1))(x)
        b3 = conv(name="branch3x3_2", features=320, kernel=(3, 3), strides=2)(b3)
        b7 = conv(name="branch7x7x3_1", features=192, kernel=(1, 1))(x)
        b7 = conv(name="branch7x7x3_2", features=192, kernel=(1, 7), padding=(0, 3))(b7)
        b7 = conv(name="branch7x7x3_3", features=192, kernel=(7, 1), padding=(3, 0))(b7)
        b7 = conv(name="branch7x7x3_4", features=192, kernel=(3, 3), strides=2)(b7)
        return jnp.concatenate([b3, b7, _max_pool_halving(x)], axis=-1)


class InceptionE(nn.Module, kw_only=True):
    """Mixed_7b/7c: 1x1 | 1x1→(1x3 ‖ 3x1) | 1x1→3x3→(1x3 ‖ 3x1) | pool→1x1, the pool an
    average without padding (``"average"``, Mixed_7b) or a 3x3 max (``"max"``, Mixed_7c)."""

    pool: str
    dtype: Any = None

    @nn.compact
    def __call__(self, x):
        conv = functools.partial(BasicConv, dtype=self.dtype)
        row, col = {"kernel": (1, 3), "padding": (0, 1)}, {"kernel": (3, 1), "padding": (1, 0)}
        b1 = conv(name="branch1x1", features=320, kernel=(1, 1))(x)
        b3 = conv(name="branch3x3_1", features=384, kernel=(1, 1))(x)
        b3 = jnp.concatenate(
            [
                conv(name="branch3x3_2a", features=384, **row)(b3),
                conv(name="branch3x3_2b", features=384, **col)(b3),
            ],
            axis=-1,
        )
        bd = conv(name="branch3x3dbl_1", features=448, kernel=(1, 1))(x)
        bd = conv(name="branch3x3dbl_2", features=384, kernel=(3, 3), padding=(1, 1))(bd)
        bd = jnp.concatenate(
            [
                conv(name="branch3x3dbl_3a", features=384, **row)(bd),
                conv(name="branch3x3dbl_3b", features=384, **col)(bd),
            ],
            axis=-1,
        )
        if self.pool == "average":
            pooled = _average_pool(x)
        else:
            pooled = nn.max_pool(x, (3, 3), strides=(1, 1), padding=((1, 1), (1, 1)))
        pool = conv(name="branch_pool", features=192, kernel=(1, 1))(pooled)
        return jnp.concatenate([b1, b3, bd, pool], axis=-1)


def resize_to_input(images: jax.Array) -> jax.Array:
    """(N, H, W, C) → (N, 299, 299, C), bilinear with half-pixel centres and no antialiasing
    (``F.interpolate(mode="bilinear", align_corners=False)``)."""
    n, _, _, c = images.shape
    return jax.image.resize(
        images, (n, INPUT_SIZE, INPUT_SIZE, c), method="bilinear", antialias=False
    )


class FIDInceptionV3(nn.Module, kw_only=True):
    """The FID Inception-v3 (module docstring) on RGB images (N, H, W, 3) in [0, 1], any H, W;
    returns :class:`InceptionOutput`. ``dtype``: the computation's (float32 by default,
    bfloat16 optional); the outputs are float32."""

    dtype: Any = None

    @nn.compact
    def __call__(self, images: jax.Array) -> InceptionOutput:
        x = 2 * resize_to_input(images.astype(jnp.float32)) - 1
        if self.dtype is not None:
            x = x.astype(self.dtype)
        conv = functools.partial(BasicConv, dtype=self.dtype)
        x = conv(name="Conv2d_1a_3x3", features=32, kernel=(3, 3), strides=2)(x)
        x = conv(name="Conv2d_2a_3x3", features=32, kernel=(3, 3))(x)
        x = conv(name="Conv2d_2b_3x3", features=64, kernel=(3, 3), padding=(1, 1))(x)
        x = _max_pool_halving(x)
        x = conv(name="Conv2d_3b_1x1", features=80, kernel=(1, 1))(x)
        x = conv(name="Conv2d_4a_3x3", features=192, kernel=(3, 3))(x)
        x = _max_pool_halving(x)
        for name, pool_features in (("Mixed_5b", 32), ("Mixed_5c", 64), ("Mixed_5d", 64)):
            x = InceptionA(pool_features=pool_features, dtype=self.dtype, name=name)(x)
        x = InceptionB(dtype=self.dtype, name="Mixed_6a")(x)
        for name, c7 in (
            ("Mixed_6b", 128),
            ("Mixed_6c", 160),
            ("Mixed_6d", 160),
            ("Mixed_6e", 192),
        ):
            x = InceptionC(channels_7x7=c7, dtype=self.dtype, name=name)(x)
        x = InceptionD(dtype=self.dtype, name="Mixed_7a")(x)
        x = InceptionE(pool="average", dtype=self.dtype, name="Mixed_7b")(x)
        x = InceptionE(pool="max", dtype=self.dtype, name="Mixed_7c")(x)
        features = jnp.mean(x.astype(jnp.float32), axis=(1, 2))
        # the head in float32: its logits feed a softmax
        head = nn.Dense(NUM_CLASSES, precision=jax.lax.Precision.HIGHEST, name="fc")
        logits = head(features)
        kernel = head.variables["params"]["kernel"]
        unbiased = jnp.matmul(features, kernel, precision=jax.lax.Precision.HIGHEST)
        return InceptionOutput(features=features, logits=logits, logits_unbiased=unbiased)
