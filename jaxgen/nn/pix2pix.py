"""pix2pix's U-Net generator (Isola et al. 2017, §3.2.1, App. 6.1.1; the official code's
``UnetGenerator``), sized by the image so that 8x8 digits work as well as 256x256 photographs.

Encoder (C64-C128-C256-C512-C512-C512-C512-C512 at 256x256): ``depth`` stride-2 4x4
convolutions, widths ``features · min(2^i, 8)``, each followed by instance normalisation (not
the first, nor the innermost, whose map is 1x1) and LeakyReLU(0.2) before the next one.
Decoder (CD512-CD512-CD512-C512-C256-C128-C64): ReLU, a stride-2 4x4 transposed convolution,
instance normalisation and, in the first ``dropout_layers`` layers, dropout 0.5, the result
concatenated with the mirrored encoder activation (the skip connections); the last layer maps
to the image's channels with tanh. ``depth = log2(side)`` takes the image down to 1x1, as the
paper's 8 layers do for 256x256.

The paper trains with batch size 1 and normalises with the statistics of each batch, in
training and at test time (§3.3), which at batch size 1 is instance normalisation; jaxgen
uses instance normalisation at every batch size, so each output depends on its input alone.
Dropout is the generator's only noise; ``train=True`` turns it on (it needs a ``"dropout"``
key), and pix2pix translates at test time in that mode too (§3.3: "we apply dropout at test
time"; :func:`jaxgen.pix2pix.translate`). Weights start from N(0, 0.02) (§6.2).
"""

from __future__ import annotations

import functools
import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.nn.conv import Conv
from jaxgen.nn.cyclegan import instance_norm
from jaxgen.nn.dcgan import WEIGHT_INIT, UpConv

down_conv = functools.partial(
    Conv, kernel_size=(4, 4), strides=(2, 2), padding=((1, 1), (1, 1)), kernel_init=WEIGHT_INIT
)


class UNetGenerator(nn.Module, kw_only=True):
    """pix2pix's generator (see the module docstring): an input image (N, S, S, C_in) to an
    output image (N, S, S, ``channels``) in [−1, 1]; S must be a power of two.

    Attributes:
      channels: the output image's channels.
      features: the width of the first convolution (the paper: 64).
      dropout_layers: the decoder layers with dropout 0.5 (the paper: 3).
      dropout: the dropout rate (the paper: 0.5).
    """

    channels: int
    features: int = 64
    dropout_layers: int = 3
    dropout: float = 0.5

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        side = x.shape[1]
        depth = int(math.log2(side)) if side > 1 else 0
        if side < 2 or 2**depth != side or x.shape[2] != side:
            raise JaxgenError(
                f"the pix2pix U-Net needs square images whose side is a power of two, got "
                f"{x.shape[1]}x{x.shape[2]}; resize them (`image_size`)"
            )
        widths = [self.features * min(2**i, 8) for i in range(depth)]
        skips, h = [], x
        for i, width in enumerate(widths):
            if i > 0:
                h = nn.leaky_relu(h, 0.2)
            h = down_conv(width, use_bias=i == 0 or i == depth - 1)(h)
            if 0 < i < depth - 1:
                h = instance_norm(h)
            skips.append(h)
        skips.pop()  # the innermost activation feeds the decoder directly
        for j, width in enumerate(reversed(widths[:-1])):
            h = UpConv(features=width, use_bias=False)(nn.relu(h))
            h = instance_norm(h)
            if j < self.dropout_layers:
                h = nn.Dropout(self.dropout, deterministic=not train)(h)
            h = jnp.concatenate([h, skips.pop()], axis=-1)
        return jnp.tanh(UpConv(features=self.channels)(nn.relu(h)))
