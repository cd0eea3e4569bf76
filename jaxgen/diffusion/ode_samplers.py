"""Fast deterministic samplers of a trained DDPM: solvers of its probability-flow ODE (Song et
al. 2021), dx/dt = f(t)x − ½g(t)²∇log p_t(x), whose solution from x_T ~ N(0, I) has the
model's marginals, in 10-50 network calls.

* **DPM-Solver++(2M)** (Lu et al. 2022, Algorithm 2): with α_t = √ᾱ_t, σ_t = √(1 − ᾱ_t),
  λ_t = log(α_t/σ_t) and the data prediction x̂_0 (the model's x̂_0, clipped as its
  :class:`~jaxgen.diffusion.samplers.ReverseProcess` says), one step from s to t is

      x_t = (σ_t/σ_s)·x_s − α_t·(e^{−h} − 1)·D,   h = λ_t − λ_s,

  with D = x̂_0(x_s) for the first step (DDIM's step) and afterwards the second-order
  multistep D = (1 + 1/(2r))·x̂_0(x_s) − 1/(2r)·x̂_0(x_{s'}), r = h_{s'→s}/h, from the
  previous step's prediction. The grid is the schedule's own steps: respace it to fewer
  (:func:`~jaxgen.diffusion.schedules.respace`), best with steps evenly spaced in λ
  (:func:`logsnr_spaced`, the paper's choice: steps of unequal h make the multistep
  extrapolation's 1/(2r) large), and a last first-order step goes from the schedule's first
  step to the data (σ = 0, where it returns x̂_0), as ``lower_order_final`` does. NFE = the
  schedule's steps.
* **EDM's Heun sampler** (Karras et al. 2022, Algorithm 1, deterministic) in σ = σ_t/α_t and
  x̃ = x/α_t, where dx̃/dσ = (x̃ − x̂_0(x̃))/σ: Heun's second-order steps between
  σ_i = (σ_max^{1/ρ} + i/(N − 1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, ρ = 7 (their eq. 5), each
  σ_i rounded to the nearest σ of the discrete schedule (so the network sees a timestep it
  was trained on, as their VP wrapper rounds), and a last Euler step to σ = 0.
  NFE = 2N − 1.

Both are fixed-step, multistep or predictor-corrector methods over a discrete grid, which
diffrax's adaptive solvers do not express; they are written here by hand. Neither draws
random numbers after x_T.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.diffusion.forward import x0_and_eps_at
from jaxgen.diffusion.losses import Denoiser
from jaxgen.diffusion.samplers import DDPM, ReverseProcess
from jaxgen.diffusion.schedules import Schedule
from jaxgen.errors import JaxgenError

RHO = 7.0  # Karras et al. 2022, eq. 5


def _x0(reverse: ReverseProcess, net: Denoiser, x, timestep, alpha_bar):
    """x̂_0 of the network at x (of the schedule's step with ᾱ = ``alpha_bar`` and network
    time input ``timestep``), clipped as ``reverse`` says (a learned variance's v unused)."""
    out, _ = reverse.split(net(x, jnp.full(x.shape[:1], timestep)))
    x0, _ = x0_and_eps_at(reverse.prediction, out, x, jnp.sqrt(alpha_bar), jnp.sqrt(1 - alpha_bar))
    return x0 if reverse.clip is None else jnp.clip(x0, -reverse.clip, reverse.clip)


def dpm_solver_pp_2m(
    *, schedule: Schedule, net: Denoiser, x_T: jax.Array, reverse: ReverseProcess = DDPM
) -> jax.Array:
    """x_0 from x_T by DPM-Solver++(2M) over ``schedule``'s steps (module docstring), in
    ``schedule.num_steps`` network calls.

    Args:
      schedule: the grid: the model's schedule or a respaced one.
      net: the denoiser ``net(x_t, t)``.
      x_T: the starting noise, at the schedule's last step.
      reverse: what ``net`` predicts and how x̂_0 is clipped.

    Returns:
      x_0, of x_T's shape.
    """
    abar = jnp.asarray(schedule.alphas_cumprod)[::-1]  # noisiest first
    steps = jnp.asarray(schedule.timesteps)[::-1]
    alpha, sigma = jnp.sqrt(abar), jnp.sqrt(1.0 - abar)
    lam = jnp.log(alpha) - jnp.log(sigma)

    def step(carry, k):
        x, previous_x0, previous_h = carry
        x0 = _x0(reverse, net, x, steps[k - 1], abar[k - 1])
        h = lam[k] - lam[k - 1]
        r = previous_h / h
        multistep = (1 + 1 / (2 * r)) * x0 - 1 / (2 * r) * previous_x0
        d = jnp.where(k == 1, x0, multistep)
        x = sigma[k] / sigma[k - 1] * x - alpha[k] * jnp.expm1(-h) * d
        return (x, x0, h), None

    n = schedule.num_steps
    start = (x_T, jnp.zeros_like(x_T), jnp.ones(()))
    (x, _, _), _ = jax.lax.scan(step, start, jnp.arange(1, n))
    return _x0(reverse, net, x, steps[n - 1], abar[n - 1])  # the last, first-order step


def logsnr_spaced(schedule: Schedule, count: int) -> np.ndarray:
    """``count`` of the schedule's steps whose log-SNR λ = log(α/σ) are evenly spaced from
    the last step's to the first's (DPM-Solver's "logSNR" skip, Lu et al. 2022, §3.3), each
    λ rounded to the nearest step's, as increasing indices (duplicates dropped)."""
    if count < 2:
        raise JaxgenError(f"DPM-Solver++ needs at least 2 steps, got `sample_steps`={count}")
    abar = np.asarray(schedule.alphas_cumprod, np.float64)
    lam = 0.5 * (np.log(abar) - np.log1p(-abar))
    targets = np.linspace(lam[-1], lam[0], count)
    return np.unique(np.abs(lam[None, :] - targets[:, None]).argmin(axis=1))


def karras_sigmas(schedule: Schedule, count: int) -> np.ndarray:
    """EDM's ``count`` noise levels between the schedule's largest and smallest σ = √((1 −
    ᾱ)/ᾱ) (Karras et al. 2022, eq. 5, ρ = 7), each rounded to the nearest of the schedule's,
    as indices into the schedule's steps, largest σ first."""
    if count < 2:
        raise JaxgenError(f"Heun needs at least 2 noise levels, got `sample_steps`={count}")
    table = np.sqrt(1.0 / np.asarray(schedule.alphas_cumprod, np.float64) - 1.0)
    ramp = np.linspace(0.0, 1.0, count)
    top, bottom = table[-1] ** (1 / RHO), table[0] ** (1 / RHO)
    sigmas = (top + ramp * (bottom - top)) ** RHO
    return np.abs(np.log(table)[None, :] - np.log(sigmas)[:, None]).argmin(axis=1)


def heun(
    *,
    schedule: Schedule,
    net: Denoiser,
    x_T: jax.Array,
    num_levels: int,
    reverse: ReverseProcess = DDPM,
) -> jax.Array:
    """x_0 from x_T by EDM's deterministic Heun sampler on ``num_levels`` noise levels
    (module docstring), in 2·num_levels − 1 network calls.

    Args:
      schedule: the model's (discrete) schedule; the levels are rounded to its steps.
      net: the denoiser ``net(x_t, t)``.
      x_T: the starting noise N(0, I) (the DDPM's x_T, scaled to x̃ = x_T/α by the sampler).
      num_levels: N, the noise levels, at least 2.
      reverse: what ``net`` predicts and how x̂_0 is clipped.

    Returns:
      x_0, of x_T's shape.
    """
    levels = karras_sigmas(schedule, num_levels)
    abar = jnp.asarray(np.asarray(schedule.alphas_cumprod)[levels])
    steps = jnp.asarray(np.asarray(schedule.timesteps)[levels])
    sigma = jnp.sqrt(1.0 / abar - 1.0)

    def denoise(x_tilde, i):  # x̂_0 at x̃ on level i: the network sees x = α·x̃
        return _x0(reverse, net, x_tilde * jnp.sqrt(abar[i]), steps[i], abar[i])

    def step(x, i):
        d = (x - denoise(x, i)) / sigma[i]
        euler = x + (sigma[i + 1] - sigma[i]) * d
        d_next = (euler - denoise(euler, i + 1)) / sigma[i + 1]
        return x + (sigma[i + 1] - sigma[i]) * (d + d_next) / 2, None

    x = x_T / jnp.sqrt(abar[0])  # x̃ at the largest level
    x, _ = jax.lax.scan(step, x, jnp.arange(num_levels - 1))
    last = num_levels - 1
    return denoise(x, last)  # Euler to σ = 0: x̃ − σ·(x̃ − x̂_0)/σ = x̂_0


ODE_SAMPLERS = ("dpm_solver_pp", "heun")


def function_evaluations(sampler: str, steps: int) -> int:
    """The network calls of ``sampler`` (any of the diffusion samplers) on ``steps`` steps
    (Heun: noise levels): one per step, Heun's two per level but the last."""
    return 2 * steps - 1 if sampler == "heun" else steps
