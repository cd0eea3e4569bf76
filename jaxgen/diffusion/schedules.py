"""Noise schedules of the forward process q(x_t | x_{t−1}) = N(√(1 − β_t) x_{t−1}, β_t I).

A :class:`Schedule` is data: β_1..β_T and every quantity derived from them, computed in
float64 and stored as float32 arrays in a pytree, so samplers and losses index it with a
traced ``t`` and it can be passed through ``jit`` as an argument. Timesteps are 0-based
(index ``t`` holds the paper's t + 1), as in Ho et al.'s code.

* ``linear``: β from 1e-4 to 0.02 (Ho et al. 2020, §4; T = 1000);
* ``cosine``: ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s)·π/2), s = 0.008, β clipped at
  0.999 (Nichol & Dhariwal 2021, §3.2, eq. 17);
* ``sigmoid``: β = β_1 + (β_T − β_1)·σ(linspace(−6, 6, T)), scaled by 1000/T like
  ``linear`` (GeoDiff, Xu et al. 2022; σ(±6) makes the end points about, not exactly,
  ``linear``'s: 1.5e-4 and 0.01995).

:func:`respace` keeps a subsequence of timesteps with the same ᾱ there (Nichol & Dhariwal
2021, App. B), for ancestral sampling in fewer steps.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from jaxgen.errors import JaxgenError


def linear_betas(num_steps: int, start: float = 1e-4, end: float = 0.02) -> np.ndarray:
    """The end points scaled by 1000/T (Nichol & Dhariwal's code) so that any T gives about
    the same process; T must exceed 1000·end (20 steps for the paper's 0.02)."""
    scale = 1000.0 / num_steps
    if scale * end >= 1:
        raise JaxgenError(f"a linear schedule ending at {end} needs more than {num_steps} steps")
    return np.linspace(scale * start, scale * end, num_steps, dtype=np.float64)


def cosine_betas(num_steps: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    t = np.arange(num_steps + 1, dtype=np.float64) / num_steps
    f = np.cos((t + s) / (1 + s) * np.pi / 2) ** 2
    alphas_cumprod = f / f[0]
    return np.minimum(1 - alphas_cumprod[1:] / alphas_cumprod[:-1], max_beta)


def sigmoid_betas(num_steps: int, start: float = 1e-4, end: float = 0.02) -> np.ndarray:
    scale = 1000.0 / num_steps
    s = 1 / (1 + np.exp(-np.linspace(-6, 6, num_steps, dtype=np.float64)))
    return scale * (start + (end - start) * s)


BETA_SCHEDULES = {"linear": linear_betas, "cosine": cosine_betas, "sigmoid": sigmoid_betas}


class Schedule(struct.PyTreeNode):
    """β_t and its derived quantities, each a float32 array of shape (T,).

    ``betas`` is β_t, ``alphas`` is α_t = 1 − β_t, ``alphas_cumprod`` is ᾱ_t = Π_{s≤t} α_s;
    ``alphas_cumprod_prev`` is ᾱ_{t−1} (1 at the first step); ``sqrt_alphas_cumprod`` and
    ``sqrt_one_minus_alphas_cumprod`` are √ᾱ_t and √(1 − ᾱ_t), the coefficients of
    q(x_t | x_0). The posterior q(x_{t−1} | x_t, x_0) = N(μ̃_t, β̃_t I) has
    μ̃_t = ``posterior_mean_coef1``·x_0 + ``posterior_mean_coef2``·x_t with
    coef1 = β_t √ᾱ_{t−1}/(1 − ᾱ_t), coef2 = (1 − ᾱ_{t−1}) √α_t/(1 − ᾱ_t), and
    β̃_t = ``posterior_variance`` = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) (Ho et al. eq. 6-7);
    β̃ is 0 at the first step, so ``posterior_log_variance_clipped`` uses β̃ of the second
    step there (Ho et al.'s code). ``log_variance_large`` is log σ_t² for the reverse
    process's larger variance choice σ_t² = β_t (Ho et al. §3.2), with the same first-step
    substitute. ``timesteps`` maps each step to the network's time input (0..T−1, or the
    original steps after :func:`respace`).
    """

    betas: jax.Array
    alphas: jax.Array
    alphas_cumprod: jax.Array
    alphas_cumprod_prev: jax.Array
    sqrt_alphas_cumprod: jax.Array
    sqrt_one_minus_alphas_cumprod: jax.Array
    posterior_variance: jax.Array
    posterior_log_variance_clipped: jax.Array
    posterior_mean_coef1: jax.Array
    posterior_mean_coef2: jax.Array
    log_variance_large: jax.Array
    timesteps: jax.Array

    @property
    def num_steps(self) -> int:
        return self.betas.shape[0]


def schedule_from_betas(betas: np.ndarray, timesteps: np.ndarray | None = None) -> Schedule:
    """Every derived quantity from β (float64 arithmetic, float32 storage)."""
    betas = np.asarray(betas, np.float64)
    if betas.ndim != 1 or not np.all((betas > 0) & (betas < 1)):
        raise JaxgenError("betas must be a 1-D array with every β in (0, 1)")
    alphas = 1.0 - betas
    alphas_cumprod = np.cumprod(alphas)
    alphas_cumprod_prev = np.append(1.0, alphas_cumprod[:-1])
    one_minus = 1.0 - alphas_cumprod
    posterior_variance = betas * (1.0 - alphas_cumprod_prev) / one_minus
    floor = posterior_variance[1] if len(betas) > 1 else betas[0]
    values = {
        "betas": betas,
        "alphas": alphas,
        "alphas_cumprod": alphas_cumprod,
        "alphas_cumprod_prev": alphas_cumprod_prev,
        "sqrt_alphas_cumprod": np.sqrt(alphas_cumprod),
        "sqrt_one_minus_alphas_cumprod": np.sqrt(one_minus),
        "posterior_variance": posterior_variance,
        "posterior_log_variance_clipped": np.log(np.append(floor, posterior_variance[1:])),
        "posterior_mean_coef1": betas * np.sqrt(alphas_cumprod_prev) / (1.0 - alphas_cumprod),
        "posterior_mean_coef2": (1.0 - alphas_cumprod_prev)
        * np.sqrt(alphas)
        / (1.0 - alphas_cumprod),
        "log_variance_large": np.log(np.append(floor, betas[1:])),
    }
    arrays = {k: jnp.asarray(v, jnp.float32) for k, v in values.items()}
    steps = np.arange(len(betas)) if timesteps is None else np.asarray(timesteps)
    return Schedule(**arrays, timesteps=jnp.asarray(steps, jnp.int32))


def make_schedule(name: str, num_steps: int = 1000) -> Schedule:
    """The :class:`Schedule` of T = ``num_steps`` steps whose β_t follow the schedule called
    ``name``: ``"linear"`` (Ho et al. 2020, §4), ``"cosine"`` (Nichol & Dhariwal 2021,
    eq. 17) or ``"sigmoid"``; see the module docstring for each."""
    if name not in BETA_SCHEDULES:
        raise JaxgenError(f"unknown noise `schedule` {name!r}; use one of {sorted(BETA_SCHEDULES)}")
    return schedule_from_betas(BETA_SCHEDULES[name](num_steps))


def respace(schedule: Schedule, keep: np.ndarray) -> Schedule:
    """``schedule`` restricted to the increasing steps ``keep``: the same ᾱ at those steps,
    with β_i = 1 − ᾱ_{keep_i}/ᾱ_{keep_{i−1}} (Nichol & Dhariwal 2021, App. B); the network
    still sees the original timesteps."""
    keep = np.asarray(keep)
    if keep.ndim != 1 or np.any(np.diff(keep) <= 0) or keep[0] < 0:
        raise JaxgenError("respaced timesteps must be increasing indices into the schedule")
    alphas_cumprod = np.asarray(schedule.alphas_cumprod, np.float64)[keep]
    betas = 1.0 - alphas_cumprod / np.append(1.0, alphas_cumprod[:-1])
    return schedule_from_betas(betas, np.asarray(schedule.timesteps)[keep])


def evenly_spaced(num_steps: int, count: int) -> np.ndarray:
    """``count`` steps spread evenly over 0..num_steps−1, the first and the last included
    (the "uniform" skip of DDIM §4.2 and of Nichol & Dhariwal's ``space_timesteps``)."""
    if not 2 <= count <= num_steps:
        raise JaxgenError(f"cannot take {count} of {num_steps} diffusion steps; take 2 to all")
    return np.unique(np.round(np.linspace(0, num_steps - 1, count)).astype(int))
