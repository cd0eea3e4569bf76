"""The DDPM train step (Ho et al. 2020, Algorithm 1): one optimiser update descending the mean
L_simple of a batch (see :mod:`jaxgen.diffusion.losses`). The step's key
``fold_in(key, step)`` draws the timesteps, the noise and the dropout masks. Wrap it in
``with_ema(step, decay, net="denoiser")`` to keep the sampling weights."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from jaxgen.core.combinators import StepFn
from jaxgen.core.rng import split_by_purpose, step_key
from jaxgen.core.state import advance
from jaxgen.diffusion.forward import check_prediction
from jaxgen.diffusion.losses import simple_loss
from jaxgen.diffusion.schedules import Schedule
from jaxgen.diffusion.state import DiffusionState


def make_diffusion_step(*, schedule: Schedule, prediction: str = "eps") -> StepFn:
    """One optimiser update of the denoiser on L_simple (Algorithm 1) for a batch
    ``{"x": x_0}``; t and ε are drawn from the update's key.

    Args:
      schedule: the noise schedule.
      prediction: what the network predicts: ``"eps"`` (ε), ``"x0"`` or ``"v"``.

    Returns:
      ``diffusion_step(state, batch) -> (state, metrics)``.
    """
    check_prediction(prediction)

    def diffusion_step(state: DiffusionState, batch: dict) -> tuple[DiffusionState, dict]:
        keys = split_by_purpose(step_key(state), "noise", "dropout")
        net = state.denoiser

        def loss_fn(params):
            def denoise(xt, t):
                return net.forward(params, xt, t, train=True, rngs={"dropout": keys["dropout"]})[0]

            return jnp.mean(simple_loss(schedule, denoise, batch["x"], keys["noise"], prediction))

        loss, grads = jax.value_and_grad(loss_fn)(net.params)
        new = advance(state, denoiser=net.apply_gradients(grads))
        return new, {"loss": loss, "grad_norm": optax.tree.norm(grads)}

    return diffusion_step
