"""The pix2pix update (Isola et al. 2017, §3.1-3.3; the official code's
``optimize_parameters``), on a batch ``{"input": x, "x": y}`` of pairs.

The objective is G* = arg min_G max_D L_cGAN(G, D) + λ L_L1(G) (eq. 4), with

    L_cGAN(G, D) = E_{x,y}[log D(x, y)] + E_{x,z}[log(1 − D(x, G(x, z)))]      (eq. 1)
    L_L1(G)      = E_{x,y,z} ‖y − G(x, z)‖₁                                    (eq. 3)

D judges the input and the output concatenated on the channel axis, patch by patch. z is
the generator's dropout (§3.1). One iteration, as the code runs it:

1. the fakes G(x) with the iteration's dropout masks (``fold_in(step key, 0)``);
2. the discriminator update descending half its loss on (x, y) against (x, G(x)) ("we divide
   the objective by 2 while optimizing D", §3.3);
3. the generator update descending ``adversarial_weight`` · (the objective's generator loss
   against the updated D, the non-saturating one for the paper's cross-entropy; §3.3) +
   λ · mean |y − G(x)|, G(x) recomputed with the same masks, so it is the fake D saw.

``adversarial_weight = 0`` is the paper's "L1 alone" baseline (§4.2, Table 1): D is not
updated. ``step`` advances by 2 (two updates), ``g_steps`` by 1.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgen.core.combinators import StepFn
from jaxgen.core.rng import step_key
from jaxgen.gan import losses
from jaxgen.gan.state import GANState

DROPOUT_STREAM = 0


def translate(state: GANState, inputs: jax.Array, key: jax.Array) -> jax.Array:
    """G(x, z): the generator run as in training, dropout on with masks from ``key`` (§3.3:
    pix2pix keeps its noise at test time), on inputs (N, H, W, C_in)."""
    return state.g.forward(state.g.params, inputs, train=True, rngs={"dropout": key})[0]


def pair(inputs: jax.Array, outputs: jax.Array) -> jax.Array:
    """What D judges: the input and an output concatenated on the channel axis."""
    return jnp.concatenate([inputs, outputs], axis=-1)


def make_pix2pix_step(
    *,
    objective: str = "non_saturating",
    l1_weight: float = 100.0,
    adversarial_weight: float = 1.0,
) -> StepFn:
    """One pix2pix iteration (see the module docstring).

    Args:
      objective: the adversarial objective, a name in :data:`jaxgen.gan.losses.OBJECTIVES`
        (the paper: cross-entropy, with G's loss non-saturating).
      l1_weight: λ (the paper: 100, §4.2).
      adversarial_weight: the factor of G's adversarial loss (0: L1 alone).

    Returns:
      ``step(state, batch) -> (state, metrics)``.
    """
    loss_of = losses.objective(objective)

    def step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        x, y = batch["input"], batch["x"]
        dropout = jax.random.fold_in(step_key(state), DROPOUT_STREAM)

        def generate(g_params):
            return state.g.forward(g_params, x, train=True, rngs={"dropout": dropout})[0]

        d, metrics = state.d, {}
        if adversarial_weight:
            fake = jax.lax.stop_gradient(generate(state.g.params))

            def d_loss_fn(d_params):
                real_logits, after = state.d.forward(d_params, pair(x, y), train=True)
                fake_logits, collections = state.d.replace(collections=after).forward(
                    d_params, pair(x, fake), train=True
                )
                return 0.5 * loss_of.discriminator(real_logits, fake_logits), collections

            (d_loss, collections), grads = jax.value_and_grad(d_loss_fn, has_aux=True)(d.params)
            d = d.apply_gradients(grads, collections)
            metrics["d_loss"] = d_loss

        def g_loss_fn(g_params):
            out = generate(g_params)
            l1 = jnp.mean(jnp.abs(y - out))
            terms = {"l1": l1}
            loss = l1_weight * l1
            if adversarial_weight:
                logits, _ = d.forward(d.params, pair(x, out), train=True)
                terms["g_adversarial"] = loss_of.generator(logits)
                loss = loss + adversarial_weight * terms["g_adversarial"]
            return loss, terms

        (g_loss, terms), grads = jax.value_and_grad(g_loss_fn, has_aux=True)(state.g.params)
        new = state.replace(
            step=state.step + 2,
            g_steps=state.g_steps + 1,
            g=state.g.apply_gradients(grads),
            d=d,
        )
        return new, {**metrics, "g_loss": g_loss, **terms}

    return step
