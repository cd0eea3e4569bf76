"""CycleGAN's networks (Zhu et al. 2017, App. 7.2; the official code's ``ResnetGenerator``
and ``NLayerDiscriminator``), sized by parameters so that 8x8 digits work as well as 256x256
photographs.

Generator (c7s1-64, d128, d256, R256 x blocks, u128, u64, c7s1-3): a reflection-padded 7x7
convolution, ``downsamplings`` stride-2 3x3 convolutions doubling the width, ``blocks``
residual blocks (reflection pad, 3x3 conv, norm, ReLU, reflection pad, 3x3 conv, norm; plus
the input), as many stride-2 3x3 transposed convolutions halving it, and a reflection-padded
7x7 convolution to the image's channels with tanh. Every convolution but the last is followed
by InstanceNorm (no affine parameters, as the code's default) and ReLU. The paper uses 9
blocks at 256x256 and 6 at 128x128.

PatchGAN discriminator (C64-C128-C256-C512): 4x4 convolutions, the first ``layers`` with
stride 2, then one with stride 1, each followed by InstanceNorm (not the first) and
LeakyReLU(0.2), and a last stride-1 4x4 convolution to one output per patch. With 3 layers
each output sees 70x70 pixels; fewer layers suit smaller images. Weights are initialised
from N(0, 0.02) (the code's ``init_type='normal'``).
"""

from __future__ import annotations

import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.nn.conv import Conv
from jaxgen.nn.dcgan import WEIGHT_INIT, UpConv

conv = functools.partial(Conv, kernel_init=WEIGHT_INIT)


def instance_norm(x: jax.Array) -> jax.Array:
    """Per-example, per-channel normalisation over the spatial axes (ε = 1e-5, no affine)."""
    return nn.InstanceNorm(epsilon=1e-5, use_bias=False, use_scale=False)(x)


def reflect(x: jax.Array, pad: int) -> jax.Array:
    """Reflection padding of the spatial axes (PyTorch's ReflectionPad2d)."""
    return jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")


class ResidualBlock(nn.Module, kw_only=True):
    features: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        h = nn.relu(instance_norm(conv(self.features, (3, 3), padding="VALID")(reflect(x, 1))))
        h = instance_norm(conv(self.features, (3, 3), padding="VALID")(reflect(h, 1)))
        return x + h


class ResnetGenerator(nn.Module, kw_only=True):
    """CycleGAN's generator (see the module docstring): an image (N, H, W, C) to an image
    (N, H, W, ``channels``) in [−1, 1].

    Attributes:
      channels: the output image's channels.
      features: the width of the first convolution (the paper: 64); each downsampling
        doubles it.
      blocks: the residual blocks (the paper: 9 at 256x256, 6 at 128x128).
      downsamplings: the stride-2 convolutions, and as many transposed ones (the paper: 2);
        the image's side must halve that often down to at least 2.
    """

    channels: int
    features: int = 64
    blocks: int = 9
    downsamplings: int = 2

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        size = x.shape[1]
        if size % 2**self.downsamplings or size // 2**self.downsamplings < 2:
            raise JaxgenError(
                f"a {size}x{size} image cannot be halved {self.downsamplings} times down to at "
                "least 2x2; use fewer downsamplings"
            )
        h = nn.relu(instance_norm(conv(self.features, (7, 7), padding="VALID")(reflect(x, 3))))
        for i in range(self.downsamplings):
            width = self.features * 2 ** (i + 1)
            h = conv(width, (3, 3), strides=(2, 2), padding=((1, 1), (1, 1)))(h)
            h = nn.relu(instance_norm(h))
        for _ in range(self.blocks):
            h = ResidualBlock(features=h.shape[-1])(h)
        for i in reversed(range(self.downsamplings)):
            h = nn.relu(instance_norm(UpConv(features=self.features * 2**i, kernel=3)(h)))
        return jnp.tanh(conv(self.channels, (7, 7), padding="VALID")(reflect(h, 3)))


class PatchDiscriminator(nn.Module, kw_only=True):
    """The PatchGAN discriminator (see the module docstring): an image (N, H, W, C) to one
    logit per patch, (N, h, w, 1).

    Attributes:
      features: the width of the first convolution (the paper: 64); it doubles per layer up
        to 8 times that.
      layers: the stride-2 convolutions (the paper: 3, 70x70 patches); fewer suit smaller
        images.
    """

    features: int = 64
    layers: int = 3

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        size = x.shape[1]
        if size // 2**self.layers < 3:
            raise JaxgenError(
                f"a {size}x{size} image leaves no patch after {self.layers} stride-2 layers "
                "and two 4x4 stride-1 convolutions; use fewer layers"
            )
        patch_conv = functools.partial(conv, kernel_size=(4, 4), padding=((1, 1), (1, 1)))
        h = nn.leaky_relu(patch_conv(self.features, strides=(2, 2))(x), 0.2)
        for n in range(1, self.layers + 1):
            width = self.features * min(2**n, 8)
            strides = (2, 2) if n < self.layers else (1, 1)
            h = nn.leaky_relu(instance_norm(patch_conv(width, strides=strides)(h)), 0.2)
        return patch_conv(1)(h)
