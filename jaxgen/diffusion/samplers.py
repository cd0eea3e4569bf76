"""Reverse-process samplers as pure step functions, run by ``lax.scan`` from x_T ~ N(0, I).

Both samplers walk a :class:`~jaxgen.diffusion.schedules.Schedule` from its last step to its
first; pass a :func:`~jaxgen.diffusion.schedules.respace`-d schedule to sample in fewer steps.
Step ``i`` draws its noise from ``fold_in(key, i)``.

* Ancestral sampling (Ho et al. 2020, Algorithm 2): x_{t−1} = μ̃_t(x_t, x̂_0) + σ_t z, with
  σ_t² = β_t (``variance="large"``), β̃_t (``"small"``) or learned (``"learned"``, below),
  no noise at the last step; μ̃_t is the posterior mean of eq. 7 at the predicted x̂_0, which
  for ε-prediction equals eq. 11's (x_t − β_t/√(1 − ᾱ_t) ε̂)/√α_t.
* DDIM (Song et al. 2021, eq. 12): x_{t−1} = √ᾱ_{t−1} x̂_0 + √(1 − ᾱ_{t−1} − σ_t²) ε̂ + σ_t z,
  σ_t = η √((1 − ᾱ_{t−1})/(1 − ᾱ_t)) √(1 − ᾱ_t/ᾱ_{t−1}); η = 0 is deterministic given x_T,
  η = 1 is ancestral sampling with σ_t² = β̃_t.

A :class:`ReverseProcess` says what the network predicts, σ_t² and how x̂_0 is clipped
(Ho et al.'s code clips it to the data range [−1, 1] before it is used).

A learned variance (Nichol & Dhariwal 2021, §3.1, eq. 15) interpolates in the log domain
between the two fixed choices, per dimension:

    Σ_θ(x_t, t) = exp(u log β_t + (1 − u) log β̃_t),   u = (v + 1)/2,

where the network outputs v beside its prediction (its last axis holds the prediction's
channels, then v's: ``UNet(outputs=2)``) and v = 0 is the geometric mean (their code's
``(v + 1)/2``, so that a zero-initialised output layer starts between the bounds). On a
respaced schedule β and β̃ are the respaced ones, as in their §4.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from jaxgen.core.rng import iteration_key, split_by_purpose
from jaxgen.diffusion.forward import at, check_prediction, q_posterior, to_x0_and_eps
from jaxgen.diffusion.losses import Denoiser
from jaxgen.diffusion.schedules import Schedule
from jaxgen.errors import JaxgenError

# step(x_t, i, key) -> x_{t−1}, where i indexes the schedule's steps
ReverseStep = Callable[[jax.Array, jax.Array, jax.Array], jax.Array]
VARIANCES = ("large", "small", "learned")


@dataclass(frozen=True, kw_only=True)
class ReverseProcess:
    """How a denoiser's output defines the reverse process p_θ(x_{t−1} | x_t) (Ho et al.
    2020, §3.2): the samplers and the variational bound read it alike.

    Args:
      prediction: what the network predicts: ``"eps"`` (ε, Ho et al.), ``"x0"`` or ``"v"``
        (Salimans & Ho 2022).
      variance: σ_t² = β_t (``"large"``), β̃_t (``"small"``) or learned by interpolation
        between them (``"learned"``: the network outputs v beside its prediction); DDIM sets
        its own.
      clip: x̂_0 is clipped to [−clip, clip], the data range (None: not clipped).
    """

    prediction: str = "eps"
    variance: str = "large"
    clip: float | None = 1.0

    def __post_init__(self):
        check_prediction(self.prediction)
        if self.variance not in VARIANCES:
            raise JaxgenError(f"unknown reverse `variance` {self.variance!r}; use {VARIANCES}")

    @property
    def outputs(self) -> int:
        """How many x-shaped outputs the network has: 2 (prediction and v) when the variance
        is learned, else 1."""
        return 2 if self.variance == "learned" else 1

    def split(self, output: jax.Array) -> tuple[jax.Array, jax.Array | None]:
        """The network's ``output`` as (prediction, v), v None unless the variance is
        learned."""
        if self.variance != "learned":
            return output, None
        prediction, v = jnp.split(output, 2, axis=-1)
        return prediction, v

    def predict(self, schedule: Schedule, net: Denoiser, xt: jax.Array, i):
        """(x̂_0, ε̂, t) at step ``i`` of ``schedule``, x̂_0 clipped and ε̂ made to agree."""
        x0, eps, t, _ = self._predict(schedule, net, xt, i)
        return x0, eps, t

    def mean_and_log_variance(self, schedule: Schedule, net: Denoiser, xt: jax.Array, i):
        """(μ_θ, log Σ_θ) of p_θ(x_{t−1} | x_t) at step ``i`` of ``schedule``: the posterior
        mean at the predicted x̂_0, and the fixed or learned log-variance, shaped to
        broadcast against ``xt``."""
        x0, _, t, v = self._predict(schedule, net, xt, i)
        mean, _, _ = q_posterior(schedule, x0, xt, t)
        if v is None:
            return mean, at(self.log_variances(schedule), t, xt)
        return mean, interpolated_log_variance(schedule, v, t)

    def log_variances(self, schedule: Schedule) -> jax.Array:
        """log σ_t² of every step of ``schedule`` for a fixed variance."""
        if self.variance == "learned":
            raise JaxgenError("a learned variance depends on x_t; use `mean_and_log_variance`")
        if self.variance == "large":
            return schedule.log_variance_large
        return schedule.posterior_log_variance_clipped

    def _predict(self, schedule: Schedule, net: Denoiser, xt: jax.Array, i):
        t = jnp.full(xt.shape[:1], i)
        output = net(xt, schedule.timesteps[t])
        if output.shape[-1] != self.outputs * xt.shape[-1]:
            raise JaxgenError(
                f"the denoiser outputs {output.shape[-1]} channels for {xt.shape[-1]}; a "
                f"reverse process with variance={self.variance!r} reads {self.outputs} per "
                "channel (a learned variance: the prediction, then v; build the network so)"
            )
        output, v = self.split(output)
        x0, eps = to_x0_and_eps(self.prediction, output, xt, schedule, t)
        if self.clip is not None:
            x0 = jnp.clip(x0, -self.clip, self.clip)
            eps = (xt - at(schedule.sqrt_alphas_cumprod, t, xt) * x0) / at(
                schedule.sqrt_one_minus_alphas_cumprod, t, xt
            )
        return x0, eps, t, v


def interpolated_log_variance(schedule: Schedule, v: jax.Array, t: jax.Array) -> jax.Array:
    """log Σ_θ = u log β_t + (1 − u) log β̃_t with u = (v + 1)/2 (Nichol & Dhariwal 2021,
    eq. 15), per dimension of ``v``, with β and β̃ of ``schedule`` at step indices ``t`` (B,);
    β̃ at the first step is the second step's (it is 0 there)."""
    u = (v + 1) / 2
    return u * at(jnp.log(schedule.betas), t, v) + (1 - u) * at(
        schedule.posterior_log_variance_clipped, t, v
    )


DDPM = ReverseProcess()
"""Ho et al. 2020's reverse process: ε-prediction, σ_t² = β_t, x̂_0 clipped to [−1, 1]."""


def ancestral_step(
    *, schedule: Schedule, net: Denoiser, reverse: ReverseProcess = DDPM
) -> ReverseStep:
    """Algorithm 2's step x_t → x_{t−1} (Ho et al. 2020).

    Args:
      schedule: the noise schedule the step walks (a respaced one samples in fewer steps).
      net: the denoiser ``net(x_t, t)``, ``t`` the network's time inputs.
      reverse: what ``net`` predicts, σ_t² and the clipping of x̂_0.

    Returns:
      ``step(x_t, i, key) -> x_{t−1}``, ``i`` indexing the schedule's steps.
    """

    def step(xt, i, key):
        mean, log_variance = reverse.mean_and_log_variance(schedule, net, xt, i)
        z = jax.random.normal(key, xt.shape, xt.dtype)
        return mean + jnp.where(i > 0, jnp.exp(0.5 * log_variance), 0.0) * z

    return step


def ddim_step(
    *, schedule: Schedule, net: Denoiser, reverse: ReverseProcess = DDPM, eta: float = 0.0
) -> ReverseStep:
    """DDIM's step x_t → x_{t−1} (Song et al. 2021, eq. 12).

    Args:
      eta: η, the noise scale (0: deterministic given x_T; 1: ancestral with σ_t² = β̃_t).
      schedule, net, reverse: as for :func:`ancestral_step` (DDIM reads ``reverse``'s
        prediction and clipping; η sets its variance).

    Returns:
      ``step(x_t, i, key) -> x_{t−1}``, ``i`` indexing the schedule's steps.
    """

    def step(xt, i, key):
        x0, eps, _ = reverse.predict(schedule, net, xt, i)
        a_t, a_prev = schedule.alphas_cumprod[i], schedule.alphas_cumprod_prev[i]
        sigma = eta * jnp.sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))
        direction = jnp.sqrt(jnp.maximum(1 - a_prev - sigma**2, 0.0)) * eps
        z = jax.random.normal(key, xt.shape, xt.dtype)
        return jnp.sqrt(a_prev) * x0 + direction + sigma * z

    return step


def run_reverse(step: ReverseStep, num_steps: int, x_T: jax.Array, key: jax.Array, record=False):
    """x_0 from x_T by ``step`` for i = num_steps−1 … 0, step i drawing its noise from
    ``fold_in(key, i)``; with ``record``, also every x_t after each step, shape
    (num_steps, *x_T.shape), in sampling order."""

    def body(x, i):
        x = step(x, i, iteration_key(key, i))
        return x, (x if record else None)

    x0, trajectory = jax.lax.scan(body, x_T, jnp.arange(num_steps - 1, -1, -1))
    return (x0, trajectory) if record else x0


def sample(step: ReverseStep, num_steps: int, key: jax.Array, shape, record=False):
    """Draw x_T ~ N(0, I) of ``shape`` and run the reverse process from it.

    Args:
      step: the reverse step, e.g. :func:`ancestral_step` or :func:`ddim_step`.
      num_steps: the steps of the step's schedule.
      key: the sampler's key; x_T and the steps' noise come from independent keys split
        from it.
      shape: the batch's shape, e.g. ``(16, 32, 32, 3)``.
      record: also return the trajectory (:func:`run_reverse`).

    Returns:
      x_0, or ``(x_0, trajectory)`` with ``record``.
    """
    keys = split_by_purpose(key, "x_T", "steps")
    x_T = jax.random.normal(keys["x_T"], shape)
    return run_reverse(step, num_steps, x_T, keys["steps"], record)
