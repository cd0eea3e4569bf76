"""Conditioner networks of coupling layers: their last layer starts at zero, so that each
coupling starts as the identity (Glow, Kingma & Dhariwal 2018, §3.3).

* :class:`CouplingMLP`: Dense(h) → ReLU → … → zero-initialised Dense(out), for vectors.
* :class:`CouplingCNN`: Glow's NN() — Conv 3x3(width) → ReLU → Conv 1x1(width) → ReLU →
  zero-initialised Conv 3x3(out) — for images; ``depth`` extra 3x3 blocks deepen it.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

from jaxgen.nn.conv import Conv


class CouplingMLP(nn.Module, kw_only=True):
    """Dense(h) → ReLU for each width in ``hidden``, then a zero-initialised Dense(``out_dim``):
    a coupling's conditioner for vectors, the identity coupling at init.

    Attributes:
      hidden: the widths of the hidden layers.
      out_dim: the outputs per example (e.g. 2·dim for an affine coupling's log-scale and
        shift).
    """

    hidden: Sequence[int]
    out_dim: int

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        for width in self.hidden:
            x = nn.relu(nn.Dense(width)(x))
        return nn.Dense(self.out_dim, kernel_init=nn.initializers.zeros)(x)


class CouplingCNN(nn.Module, kw_only=True):
    """Glow's NN() (Kingma & Dhariwal 2018, §3.3): Conv 3x3(width) → ReLU → [Conv 3x3(width)
    → ReLU] x depth → Conv 1x1(width) → ReLU → zero-initialised Conv 3x3(``out_channels``);
    a coupling's conditioner for images, the identity coupling at init.

    Attributes:
      width: the channels of every hidden convolution.
      out_channels: the output channels (2·C for an affine coupling on C channels).
      depth: extra 3x3 blocks (0: Glow's network).
    """

    width: int
    out_channels: int
    depth: int = 0

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = nn.relu(Conv(self.width, (3, 3))(x))
        for _ in range(self.depth):
            x = nn.relu(Conv(self.width, (3, 3))(x))
        x = nn.relu(Conv(self.width, (1, 1))(x))
        return Conv(self.out_channels, (3, 3), kernel_init=nn.initializers.zeros)(x)
