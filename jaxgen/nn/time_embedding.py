"""The sinusoidal time embedding of diffusion denoisers (Ho et al. 2020, App. B; Vaswani et
al. 2017, §3.5), shared by the U-Net and the MLP denoiser."""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp


def timestep_embedding(t: jax.Array, dim: int, max_period: float = 10000.0) -> jax.Array:
    """[sin(t·ω_k), cos(t·ω_k)] with ω_k = max_period^(−k/(dim/2 − 1)) (Transformer
    positions, as in DDPM's ``get_timestep_embedding``), for timesteps ``t`` of shape (B,);
    shape (B, ``dim``), ``dim`` even; ``max_period`` sets the lowest frequency."""
    half = dim // 2
    frequencies = jnp.exp(-math.log(max_period) * jnp.arange(half) / (half - 1))
    angles = t.astype(jnp.float32)[:, None] * frequencies[None]
    return jnp.concatenate([jnp.sin(angles), jnp.cos(angles)], axis=-1)


class TimeEmbedding(nn.Module, kw_only=True):
    """Sinusoidal embedding of width ``base`` → Dense(4·base) → SiLU → Dense(4·base).

    The sinusoids are computed in float32 (t·ω needs its precision) and then cast to ``dtype``,
    the dtype of the data the network conditions (bfloat16 under mixed precision).

    Attributes:
      base: the width of the sinusoidal embedding; the output has 4·base features.
    """

    base: int

    @nn.compact
    def __call__(self, t: jax.Array, dtype=jnp.float32) -> jax.Array:
        h = nn.Dense(4 * self.base)(timestep_embedding(t, self.base).astype(dtype))
        return nn.Dense(4 * self.base)(nn.silu(h))
