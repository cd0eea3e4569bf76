"""Maximum likelihood for flows (the lecture's training objective):

    max_θ Σ_i log p_Z(f(x_i | θ)) + log |det Df(x_i | θ)|,   p_Z = N(0, I).

Discrete images (Dinh et al. 2017, §4.1; Theis et al. 2016): pixels stored in [−1, 1] with
``levels`` values are mapped back to integers k ∈ {0, …, levels − 1} and dequantized,
x̃ = (k + u)/levels − 1/2 with u ~ U[0, 1)^D. The model's density on x̃ bounds the discrete
probability, −log P(k) ≤ E_u[−log p(x̃)] + D·log(levels), so

    bits/dim = (E_u[−log p(x̃)] + D·log(levels)) / (D·log 2).

The shift by −1/2 has unit Jacobian, so nothing else enters.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from jaxgen.flows.bijector import Bijector, sum_per_example


def standard_normal_log_prob(z: jax.Array) -> jax.Array:
    """log N(z; 0, I) per example: −½‖z‖² − (D/2)·log 2π."""
    dim = math.prod(z.shape[1:])
    return -0.5 * sum_per_example(z**2) - 0.5 * dim * math.log(2 * math.pi)


def log_prob(flow: Bijector, params, x: jax.Array) -> jax.Array:
    """log p_X(x) = log p_Z(f(x)) + log|det Df(x)| per example, in nats, for the bijector
    ``flow`` with ``params`` and p_Z = N(0, I)."""
    z, log_det = flow.forward_and_log_det(params, x)
    return standard_normal_log_prob(z) + log_det


def dequantize(key: jax.Array, x: jax.Array, levels: int) -> jax.Array:
    """x in [−1, 1] with ``levels`` values → x̃ = (k + u)/levels − 1/2, u ~ U[0, 1) drawn
    from ``key`` (uniform dequantization; Theis et al. 2016)."""
    k = jnp.round((x + 1.0) / 2.0 * (levels - 1))
    return (k + jax.random.uniform(key, x.shape)) / levels - 0.5


def to_pixel_range(x_tilde: jax.Array, levels: int) -> jax.Array:
    """The inverse map for display: x̃ → k/(levels − 1) scaled to [−1, 1], clipped."""
    k = jnp.floor((x_tilde + 0.5) * levels)
    return jnp.clip(k / (levels - 1), 0.0, 1.0) * 2.0 - 1.0


def bits_per_dim(nll_nats: jax.Array, dim: int, levels: int) -> jax.Array:
    """The NLL of dequantized data ``nll_nats`` (nats per example of ``dim`` dimensions, data
    scaled to x̃ ∈ [−½, ½)) as bits per dimension of the ``levels``-valued data:
    (nll + dim·log levels) / (dim·log 2)."""
    return (nll_nats + dim * math.log(levels)) / (dim * math.log(2.0))


def sample(flow: Bijector, params, key: jax.Array, n: int, latent_dim: int, temperature=1.0):
    """``n`` samples x = f⁻¹(z) of the bijector ``flow`` with ``params``, z ~ N(0, T²·I) of
    ``latent_dim`` dimensions drawn from ``key``, T = ``temperature`` (Glow §5: T < 1 trades
    diversity for quality)."""
    z = temperature * jax.random.normal(key, (n, latent_dim))
    return flow.inverse_and_log_det(params, z)[0]
