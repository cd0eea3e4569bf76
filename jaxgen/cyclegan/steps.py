"""The CycleGAN update (Zhu et al. 2017; the official code's ``optimize_parameters``).

One step on a batch ``{"a": real A images, "b": real B images}``:

1. Generator update: fake_b = G(a), fake_a = F(b); both generators descend
   L_G(D_B(fake_b)) + L_G(D_A(fake_a)) + λ L_cyc + λ_idt L_idt (see :mod:`.losses`) with the
   discriminators fixed. One gradient over G and F together, each applied by its own
   optimiser (Adam is elementwise, so this equals one optimiser over both).
2. Discriminator update: the fakes of step 1 (made before the generators moved, as the
   code's ``fake_B.detach()``) pass through the pools (keys ``fold_in(step key, 0 | 1)``);
   D_A descends L_D(D_A(a), D_A(pooled fake_a)), D_B likewise, generators fixed.

``generator_update`` and ``discriminator_update`` are separate pure functions, each adding one
to ``step``; ``make_cyclegan_step`` composes them.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from jaxgen.core.combinators import StepFn
from jaxgen.core.rng import step_key
from jaxgen.core.state import advance
from jaxgen.cyclegan.losses import adversarial, cycle_loss, identity_loss
from jaxgen.cyclegan.pool import query_pool
from jaxgen.cyclegan.state import CycleGANState


class Fakes(struct.PyTreeNode):
    """G(a) and F(b) of the generator update, handed to the discriminator update."""

    fake_a: jax.Array
    fake_b: jax.Array


def _run(net, params, x):
    return net.forward(params, x, train=True)[0]


def make_generator_update(*, objective: str, cycle_weight: float, identity_weight: float):
    """``update(state, batch) -> (state, fakes, metrics)``; ``objective`` is least squares or
    non-saturating, ``cycle_weight`` λ (10 in the paper), ``identity_weight`` λ_idt (0.5 λ in
    the code; 0 turns the identity term off)."""
    loss_of = adversarial(objective)

    def update(state: CycleGANState, batch: dict):
        a, b = batch["a"], batch["b"]

        def loss_fn(params):
            fake_b, fake_a = _run(state.g, params["g"], a), _run(state.f, params["f"], b)
            adv_g = loss_of.generator(_run(state.d_b, state.d_b.params, fake_b))
            adv_f = loss_of.generator(_run(state.d_a, state.d_a.params, fake_a))
            cyc = cycle_loss(
                a, _run(state.f, params["f"], fake_b), b, _run(state.g, params["g"], fake_a)
            )
            total = adv_g + adv_f + cycle_weight * cyc
            idt = jnp.zeros(())
            if identity_weight:
                idt = identity_loss(
                    b, _run(state.g, params["g"], b), a, _run(state.f, params["f"], a)
                )
                total = total + identity_weight * idt
            metrics = {"g_adv": adv_g, "f_adv": adv_f, "cycle": cyc, "identity": idt}
            return total, (Fakes(fake_a=fake_a, fake_b=fake_b), metrics)

        params = {"g": state.g.params, "f": state.f.params}
        (total, (fakes, metrics)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        state = advance(
            state,
            g=state.g.apply_gradients(grads["g"]),
            f=state.f.apply_gradients(grads["f"]),
        )
        return state, jax.lax.stop_gradient(fakes), {"g_loss": total, **metrics}

    return update


def make_discriminator_update(*, objective: str):
    """``update(state, batch, fakes) -> (state, metrics)`` for the ``objective``'s
    discriminator loss, each discriminator shown fakes through its pool."""
    loss_of = adversarial(objective)

    def update(state: CycleGANState, batch: dict, fakes: Fakes):
        key = step_key(state)
        pool_a, shown_a = query_pool(state.pool_a, fakes.fake_a, jax.random.fold_in(key, 0))
        pool_b, shown_b = query_pool(state.pool_b, fakes.fake_b, jax.random.fold_in(key, 1))

        def loss_fn(params):
            d_a = loss_of.discriminator(
                _run(state.d_a, params["d_a"], batch["a"]), _run(state.d_a, params["d_a"], shown_a)
            )
            d_b = loss_of.discriminator(
                _run(state.d_b, params["d_b"], batch["b"]), _run(state.d_b, params["d_b"], shown_b)
            )
            return d_a + d_b, {"d_a_loss": d_a, "d_b_loss": d_b}

        params = {"d_a": state.d_a.params, "d_b": state.d_b.params}
        (_, metrics), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        state = advance(
            state,
            d_a=state.d_a.apply_gradients(grads["d_a"]),
            d_b=state.d_b.apply_gradients(grads["d_b"]),
            pool_a=pool_a,
            pool_b=pool_b,
        )
        return state, metrics

    return update


def make_cyclegan_step(
    *,
    objective: str = "least_squares",
    cycle_weight: float = 10.0,
    identity_weight: float = 5.0,
) -> StepFn:
    """The generator update, then the discriminator update on its fakes.

    Args:
      objective: the adversarial objective, ``"least_squares"`` (the paper's, §4) or
        ``"non_saturating"``.
      cycle_weight: λ, the weight of the cycle-consistency loss (the paper: 10).
      identity_weight: λ_idt, the weight of the identity loss (the code: 0.5 λ; 0 turns it
        off).

    Returns:
      ``step(state, batch) -> (state, metrics)`` for a batch ``{"a": ..., "b": ...}``.
    """
    generator_update = make_generator_update(
        objective=objective, cycle_weight=cycle_weight, identity_weight=identity_weight
    )
    discriminator_update = make_discriminator_update(objective=objective)

    def step(state: CycleGANState, batch: dict):
        state, fakes, g_metrics = generator_update(state, batch)
        state, d_metrics = discriminator_update(state, batch, fakes)
        return state, {**g_metrics, **d_metrics}

    return step
