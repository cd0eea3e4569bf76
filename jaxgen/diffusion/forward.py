"""The forward process and its posterior, independent of any network (Ho et al. 2020, §2).

* q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I), so x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε (eq. 4);
* q(x_{t−1} | x_t, x_0) = N(μ̃_t(x_t, x_0), β̃_t I) (eq. 6-7);
* what a network predicts, converted to x_0 and ε: ε-prediction (Ho et al. eq. 11),
  x_0-prediction, and v = √ᾱ_t ε − √(1 − ᾱ_t) x_0 (Salimans & Ho 2022, §4).

``t`` is a batch of 0-based step indices, shape (B,); coefficients broadcast over the example
dimensions.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgen.diffusion.schedules import Schedule
from jaxgen.errors import JaxgenError

PREDICTIONS = ("eps", "x0", "v")


def check_prediction(prediction: str) -> str:
    """``prediction`` if it is one of :data:`PREDICTIONS`; else the one-line error."""
    if prediction not in PREDICTIONS:
        raise JaxgenError(f"unknown `prediction` {prediction!r}; use one of {PREDICTIONS}")
    return prediction


def at(coefficients: jax.Array, t: jax.Array, like: jax.Array) -> jax.Array:
    """``coefficients[t]`` shaped (B, 1, ..., 1) to broadcast against ``like``."""
    return coefficients[t].reshape(t.shape + (1,) * (like.ndim - t.ndim))


def q_sample(schedule: Schedule, x0: jax.Array, t: jax.Array, noise: jax.Array) -> jax.Array:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, a draw from q(x_t | x_0) (Ho et al. eq. 4).

    Args:
      schedule: the noise schedule.
      x0: the clean batch x_0, (B, ...).
      t: 0-based step indices, (B,).
      noise: ε ~ N(0, I), shaped like ``x0``.

    Returns:
      x_t, shaped like ``x0``.
    """
    return (
        at(schedule.sqrt_alphas_cumprod, t, x0) * x0
        + at(schedule.sqrt_one_minus_alphas_cumprod, t, x0) * noise
    )


def q_step(schedule: Schedule, x_prev: jax.Array, t: jax.Array, noise: jax.Array) -> jax.Array:
    """One step of the forward chain, q(x_t | x_{t−1}): x_t = √(1 − β_t) x_{t−1} + √β_t ε,
    with β from ``schedule``, x_{t−1} = ``x_prev``, step indices ``t`` (B,) and ε = ``noise``
    shaped like ``x_prev``."""
    return (
        jnp.sqrt(at(schedule.alphas, t, x_prev)) * x_prev
        + jnp.sqrt(at(schedule.betas, t, x_prev)) * noise
    )


def q_posterior(schedule: Schedule, x0: jax.Array, xt: jax.Array, t: jax.Array):
    """Mean μ̃_t, variance β̃_t and clipped log-variance of q(x_{t−1} | x_t, x_0) (Ho et al.
    eq. 6-7), for ``schedule``, the clean batch ``x0``, its noised ``xt`` and step indices ``t``
    (B,); the variances are shaped to broadcast against ``xt``."""
    mean = (
        at(schedule.posterior_mean_coef1, t, xt) * x0
        + at(schedule.posterior_mean_coef2, t, xt) * xt
    )
    return (
        mean,
        at(schedule.posterior_variance, t, xt),
        at(schedule.posterior_log_variance_clipped, t, xt),
    )


def target(prediction: str, x0: jax.Array, noise: jax.Array, schedule: Schedule, t: jax.Array):
    """What a network trained for ``prediction`` should output at (x_t, t)."""
    if prediction == "eps":
        return noise
    if prediction == "x0":
        return x0
    check_prediction(prediction)
    return (  # v
        at(schedule.sqrt_alphas_cumprod, t, x0) * noise
        - at(schedule.sqrt_one_minus_alphas_cumprod, t, x0) * x0
    )


def to_x0_and_eps(prediction: str, output: jax.Array, xt: jax.Array, schedule: Schedule, t):
    """(x̂_0, ε̂) from a network ``output`` at (x_t, t), using x_t = √ᾱ x_0 + √(1 − ᾱ) ε."""
    a = at(schedule.sqrt_alphas_cumprod, t, xt)
    s = at(schedule.sqrt_one_minus_alphas_cumprod, t, xt)
    return x0_and_eps_at(prediction, output, xt, a, s)


def x0_and_eps_at(prediction: str, output: jax.Array, xt: jax.Array, a, s):
    """(x̂_0, ε̂) from a network ``output`` at x_t where √ᾱ = ``a`` and √(1 − ᾱ) = ``s``."""
    if prediction == "eps":
        return (xt - s * output) / a, output
    if prediction == "x0":
        return output, (xt - a * output) / s
    check_prediction(prediction)
    return a * xt - s * output, s * xt + a * output  # v
