"""The hybrid objective that trains a learned reverse variance (Nichol & Dhariwal 2021, §3.1,
eq. 16):

    L_hybrid = L_simple + λ L_vlb,   λ = 0.001,   L_vlb = L_0 + L_1 + … + L_T,

L_simple trains the prediction as in Ho et al. 2020 (:mod:`jaxgen.diffusion.losses`);
L_vlb's terms (:mod:`jaxgen.diffusion.bound`) are computed with a stop-gradient on the
prediction, so that L_vlb trains Σ_θ and "L_simple is still the main source of influence
over μ_θ". One step t per example is drawn uniformly, so T·L_t estimates the sum over t. As in
the paper's code, L_t is averaged over the example's dimensions in bits (the scale of
L_simple's per-dimension mean) and x̂_0 is not clipped. The network outputs the prediction and
v, the variance's interpolation weight (:func:`~jaxgen.diffusion.samplers.
interpolated_log_variance`).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from jaxgen.diffusion.bound import term_per_dim
from jaxgen.diffusion.forward import q_posterior, target, to_x0_and_eps
from jaxgen.diffusion.losses import Denoiser, noised_batch
from jaxgen.diffusion.samplers import ReverseProcess, interpolated_log_variance
from jaxgen.diffusion.schedules import Schedule

VLB_WEIGHT = 1e-3  # λ of eq. 16


def hybrid_terms(
    schedule: Schedule,
    net: Denoiser,
    x0: jax.Array,
    key: jax.Array,
    *,
    levels: int,
    prediction: str = "eps",
) -> tuple[jax.Array, jax.Array]:
    """Per-example (L_simple, L_vlb) of eq. 16, each (B,); L_hybrid = L_simple + λ·L_vlb.

    Args:
      schedule: the noise schedule.
      net: the denoiser ``net(x_t, t)``, its output the prediction then v on the last axis.
      x0: the clean batch x_0, (B, ...), on the grid of ``levels`` values in [−1, 1].
      key: draws the step indices t and the noise ε (as :func:`~jaxgen.diffusion.losses.
        simple_loss` does).
      levels: the values per dimension of the discrete data (the decoder term's bins).
      prediction: what the network predicts: ``"eps"``, ``"x0"`` or ``"v"``.

    Returns:
      L_simple (the squared error's mean over dimensions) and L_vlb = T·L_t in bits per
      dimension, L_t's mean gradient flowing into v only.
    """
    reverse = ReverseProcess(prediction=prediction, variance="learned", clip=None)
    t, noise, xt = noised_batch(schedule, x0, key)
    output, v = reverse.split(net(xt, schedule.timesteps[t]))
    dims = tuple(range(1, x0.ndim))
    simple = jnp.mean(jnp.square(output - target(prediction, x0, noise, schedule, t)), dims)
    x0_hat, _ = to_x0_and_eps(prediction, jax.lax.stop_gradient(output), xt, schedule, t)
    mean, _, _ = q_posterior(schedule, x0_hat, xt, t)
    log_var = interpolated_log_variance(schedule, v, t)
    nats = term_per_dim(schedule, x0, xt, t, mean, log_var, levels=levels)
    return simple, schedule.num_steps * jnp.mean(nats, dims) / math.log(2.0)
