"""The DDPM train step (Ho et al. 2020, Algorithm 1): one optimiser update descending the mean
L_simple of a batch (see :mod:`jaxgen.diffusion.losses`). The step's key
``fold_in(key, step)`` draws the timesteps, the noise and the dropout masks. Wrap it in
``with_ema(step, decay, net="denoiser")`` to keep the sampling weights.

A class-conditional denoiser (``num_classes`` > 0) trains on the batch's ``"label"``, each
replaced by the null label with probability ``p_uncond`` (classifier-free guidance's training,
Ho & Salimans 2022, Algorithm 1; :mod:`jaxgen.diffusion.guidance`).

A denoiser with a learned variance (``learned_variance``) outputs v beside its prediction
and trains on L_hybrid = L_simple + λ L_vlb (Nichol & Dhariwal 2021, §3.1;
:mod:`jaxgen.diffusion.hybrid`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from jaxgen.core.combinators import StepFn
from jaxgen.core.rng import split_by_purpose, step_key
from jaxgen.core.state import advance
from jaxgen.diffusion.forward import check_prediction
from jaxgen.diffusion.guidance import drop_labels
from jaxgen.diffusion.hybrid import VLB_WEIGHT, hybrid_terms
from jaxgen.diffusion.losses import simple_loss
from jaxgen.diffusion.schedules import Schedule
from jaxgen.diffusion.state import DiffusionState
from jaxgen.errors import JaxgenError


def make_diffusion_step(
    *,
    schedule: Schedule,
    prediction: str = "eps",
    num_classes: int = 0,
    p_uncond: float = 0.0,
    learned_variance: bool = False,
    levels: int | None = None,
    vlb_weight: float = VLB_WEIGHT,
) -> StepFn:
    """One optimiser update of the denoiser on L_simple (Algorithm 1) for a batch
    ``{"x": x_0}`` (and ``"label"`` for a conditional denoiser); t, ε and the dropped labels
    are drawn from the update's key.

    Args:
      schedule: the noise schedule.
      prediction: what the network predicts: ``"eps"`` (ε), ``"x0"`` or ``"v"``.
      num_classes: the classes of a class-conditional denoiser ``net(x_t, t, y)`` (0: an
        unconditional ``net(x_t, t)``).
      p_uncond: the probability that a label is replaced by the null label (Ho & Salimans
        2022: 0.1 or 0.2).
      learned_variance: the network also outputs the variance's v; train on L_hybrid.
      levels: the values per dimension of the data (L_vlb's decoder term; learned variance
        only).
      vlb_weight: λ, L_vlb's weight in L_hybrid (the paper: 0.001).

    Returns:
      ``diffusion_step(state, batch) -> (state, metrics)``.
    """
    check_prediction(prediction)
    if not 0.0 <= p_uncond <= 1.0 or (p_uncond and not num_classes):
        raise JaxgenError(
            f"`p_uncond`={p_uncond} must be a probability, and needs `num_classes` > 0"
        )
    if learned_variance and (levels is None or levels < 2 or vlb_weight <= 0):
        raise JaxgenError(
            f"a learned variance needs the data's `levels` >= 2 (got {levels}) for L_vlb's "
            f"decoder and `vlb_weight` > 0 (got {vlb_weight}; the paper's λ is 0.001)"
        )

    def diffusion_step(state: DiffusionState, batch: dict) -> tuple[DiffusionState, dict]:
        keys = split_by_purpose(step_key(state), "noise", "dropout", "labels")
        net = state.denoiser
        labels = ()
        if num_classes:
            labels = (drop_labels(batch["label"], keys["labels"], p_uncond, num_classes),)

        def loss_fn(params):
            def denoise(xt, t):
                rngs = {"dropout": keys["dropout"]}
                return net.forward(params, xt, t, *labels, train=True, rngs=rngs)[0]

            if not learned_variance:
                loss = simple_loss(schedule, denoise, batch["x"], keys["noise"], prediction)
                return jnp.mean(loss), {}
            simple, vlb = hybrid_terms(
                schedule, denoise, batch["x"], keys["noise"], levels=levels, prediction=prediction
            )
            terms = {"loss_simple": jnp.mean(simple), "loss_vlb": jnp.mean(vlb)}
            return terms["loss_simple"] + vlb_weight * terms["loss_vlb"], terms

        (loss, terms), grads = jax.value_and_grad(loss_fn, has_aux=True)(net.params)
        new = advance(state, denoiser=net.apply_gradients(grads))
        return new, {"loss": loss, **terms, "grad_norm": optax.tree.norm(grads)}

    return diffusion_step
