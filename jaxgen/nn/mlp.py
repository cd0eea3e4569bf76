"""Multi-layer perceptrons for low-dimensional data (1-D and 2-D toy densities)."""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

from jaxgen.nn.time_embedding import TimeEmbedding


class MLP(nn.Module, kw_only=True):
    """x → [Dense(h) → act]* → Dense(out_dim); the last layer is linear.

    Attributes:
      hidden: the widths h of the hidden layers.
      out_dim: the outputs per example.
      activation: the name of a ``flax.linen`` activation, e.g. ``"relu"`` or ``"silu"``.
    """

    hidden: Sequence[int]
    out_dim: int
    activation: str = "relu"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        act = getattr(nn, self.activation)
        for width in self.hidden:
            x = act(nn.Dense(width)(x))
        return nn.Dense(self.out_dim)(x)


class TimeConditionedMLP(nn.Module, kw_only=True):
    """A denoiser for low-dimensional data: each hidden layer is
    h ← SiLU(Dense(h) + Dense(SiLU(e(t)))), starting from h = x_t, with e(t) the U-Net's time
    embedding (the MLP analogue of the U-Net's residual blocks); a zero-initialised output
    of ``outputs`` blocks of x_t's shape.

    Attributes:
      hidden: the widths of the hidden layers.
      embedding: the base width of the time embedding (:class:`TimeEmbedding`).
      outputs: the x-shaped outputs, concatenated on the last axis (2 for a learned reverse
        variance: the prediction and v).
    """

    hidden: Sequence[int]
    embedding: int = 64
    outputs: int = 1

    @nn.compact
    def __call__(self, x: jax.Array, t: jax.Array) -> jax.Array:
        e = TimeEmbedding(base=self.embedding)(t, x.dtype)
        h = x
        for width in self.hidden:
            h = nn.silu(nn.Dense(width)(h) + nn.Dense(width)(nn.silu(e)))
        return nn.Dense(self.outputs * x.shape[-1], kernel_init=nn.initializers.zeros)(h)
