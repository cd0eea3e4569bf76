"""The variational bound on −log p(x_0) in bits/dim (Ho et al. 2020, eq. 5 and §3.3):

    L = L_T + Σ_{t=2}^{T} L_{t−1} + L_0,
    L_T     = KL(q(x_T | x_0) ‖ N(0, I)),
    L_{t−1} = KL(q(x_{t−1} | x_t, x_0) ‖ p_θ(x_{t−1} | x_t)),   x_t ~ q(x_t | x_0),
    L_0     = −log p_θ(x_0 | x_1), a Gaussian discretised to the data's bins.

p_θ(x_{t−1} | x_t) = N(μ̃_t(x_t, x̂_0), Σ_θ) with the samplers' x̂_0 (clipped or not) and
Σ_θ = β_t I, β̃_t I or learned (:class:`~jaxgen.diffusion.samplers.ReverseProcess`). The data
are ``levels`` values per dimension scaled to [−1, 1], so each bin has width 2/(levels − 1)
and the outermost bins extend to ±∞ (eq. 13). Every term is a sum over the example's
dimensions in nats; ``bits_per_dim`` divides by D·ln 2, so the bound is directly comparable
with a flow's bits/dim on the same discrete data.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from flax import struct
from jax.scipy.special import ndtr

from jaxgen.core.rng import iteration_key
from jaxgen.diffusion.forward import at, q_posterior, q_sample
from jaxgen.diffusion.losses import Denoiser
from jaxgen.diffusion.samplers import DDPM, ReverseProcess
from jaxgen.diffusion.schedules import Schedule


def normal_kl(mean1, log_var1, mean2, log_var2):
    """KL(N(mean1, e^{log_var1}) ‖ N(mean2, e^{log_var2})) per dimension."""
    return 0.5 * (
        -1.0
        + log_var2
        - log_var1
        + jnp.exp(log_var1 - log_var2)
        + jnp.square(mean1 - mean2) * jnp.exp(-log_var2)
    )


def discretized_gaussian_log_likelihood(x, mean, log_var, levels: int):
    """log ∫_bin N(y; mean, e^{log_var}) dy for x on the grid of ``levels`` values in [−1, 1]
    (the end bins reach ±∞), per dimension."""
    half_bin = 1.0 / (levels - 1)
    inv_std = jnp.exp(-0.5 * log_var)
    lower = inv_std * (x - mean - half_bin)
    upper = inv_std * (x - mean + half_bin)
    # Φ(upper) − Φ(lower), computed in the tail where it does not cancel
    mass = jnp.where(lower > 0, ndtr(-lower) - ndtr(-upper), ndtr(upper) - ndtr(lower))
    log_mass = jnp.log(jnp.maximum(mass, 1e-12))
    first = jax.scipy.special.log_ndtr(upper)
    last = jax.scipy.special.log_ndtr(-lower)
    return jnp.where(x < -1 + half_bin, first, jnp.where(x > 1 - half_bin, last, log_mass))


class BoundTerms(struct.PyTreeNode):
    """Per-example terms in nats: ``prior`` L_T (B,), ``steps`` L_0 … L_{T−1} (T, B) with
    ``steps[0]`` the decoder's −log p(x_0 | x_1); ``total`` is their sum (B,)."""

    prior: jax.Array
    steps: jax.Array

    @property
    def total(self) -> jax.Array:
        return self.prior + self.steps.sum(0)


def prior_term(schedule: Schedule, x0: jax.Array) -> jax.Array:
    last = jnp.full(x0.shape[:1], schedule.num_steps - 1)
    mean = at(schedule.sqrt_alphas_cumprod, last, x0) * x0
    log_var = jnp.log1p(-at(schedule.alphas_cumprod, last, x0))
    return _sum_dims(normal_kl(mean, log_var, 0.0, 0.0))


def step_term(
    schedule: Schedule,
    net: Denoiser,
    x0: jax.Array,
    t_index: jax.Array,
    noise: jax.Array,
    *,
    levels: int,
    reverse: ReverseProcess,
) -> jax.Array:
    """L_{t−1} at step ``t_index`` (the decoder term at 0) with x_t drawn from ``noise``; the
    keywords as for :func:`variational_bound`."""
    t = jnp.full(x0.shape[:1], t_index)
    xt = q_sample(schedule, x0, t, noise)
    model_mean, model_log_var = reverse.mean_and_log_variance(schedule, net, xt, t_index)
    return _sum_dims(term_per_dim(schedule, x0, xt, t, model_mean, model_log_var, levels=levels))


def term_per_dim(schedule: Schedule, x0, xt, t, model_mean, model_log_var, *, levels: int):
    """L_{t−1} per dimension in nats for p_θ(x_{t−1} | x_t) = N(``model_mean``,
    e^``model_log_var``) at step indices ``t`` (B,): KL(q(x_{t−1} | x_t, x_0) ‖ p_θ) for t > 0,
    the discretised decoder's −log p_θ(x_0 | x_1) at t = 0."""
    true_mean, _, true_log_var = q_posterior(schedule, x0, xt, t)
    kl = normal_kl(true_mean, true_log_var, model_mean, model_log_var)
    decoder = -discretized_gaussian_log_likelihood(x0, model_mean, model_log_var, levels)
    first = (t == 0).reshape(t.shape + (1,) * (x0.ndim - 1))
    return jnp.where(first, decoder, kl)


def variational_bound(
    schedule: Schedule,
    net: Denoiser,
    x0: jax.Array,
    key: jax.Array,
    *,
    levels: int,
    reverse: ReverseProcess = DDPM,
) -> BoundTerms:
    """Every term of the bound (Ho et al. 2020, eq. 5) for a batch.

    Args:
      schedule: the noise schedule.
      net: the denoiser ``net(x_t, t)``, ``t`` the network's time inputs.
      x0: the batch of data x_0, (B, ...), on the grid of ``levels`` values in [−1, 1].
      key: step t's x_t is drawn with ``fold_in(key, t)``.
      levels: the values per dimension of the discrete data (256 for 8-bit images).
      reverse: the reverse process p_θ whose bound it is (what ``net`` predicts, σ_t², the
        clipping of x̂_0).

    Returns:
      the per-example terms in nats (``BoundTerms``: ``prior``, ``steps``, ``total``).
    """

    def body(_, t_index):
        noise = jax.random.normal(iteration_key(key, t_index), x0.shape, x0.dtype)
        return None, step_term(schedule, net, x0, t_index, noise, levels=levels, reverse=reverse)

    _, steps = jax.lax.scan(body, None, jnp.arange(schedule.num_steps))
    return BoundTerms(prior=prior_term(schedule, x0), steps=steps)


def bits_per_dim(nats: jax.Array, dim: int) -> jax.Array:
    return nats / (dim * math.log(2.0))


def _sum_dims(x: jax.Array) -> jax.Array:
    return x.sum(axis=tuple(range(1, x.ndim)))
