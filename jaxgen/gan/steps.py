"""GAN update steps: Goodfellow et al. 2014, Algorithm 1.

Discriminator update (ascend V, i.e. descend the cross-entropy)::

    ∇_φ  −[ mean_i log D_φ(x_i) + mean_j log(1 − D_φ(G_θ(z_j))) ]

Generator update (descend, with the generator loss chosen: the minimax game's
``mean log(1 − D(G(z)))`` or the non-saturating ``−mean log D(G(z))``)::

    ∇_θ  L_G(D_φ(G_θ(z)))

Each update draws z ~ N(0, I) from ``fold_in(base_key, step)`` and advances ``step`` by one.
The discriminator update leaves θ untouched and the generator update leaves φ untouched.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgen.core.combinators import StepFn, alternate
from jaxgen.core.rng import step_key
from jaxgen.gan import losses
from jaxgen.gan.state import GANState


def latent(key: jax.Array, n: int, latent_dim: int) -> jax.Array:
    """z ~ N(0, I) of shape (n, latent_dim)."""
    return jax.random.normal(key, (n, latent_dim))


def generate(state: GANState, z: jax.Array, *, use_ema: bool = False) -> jax.Array:
    """G(z) with the current (or the EMA) generator parameters."""
    params = state.g.ema_params if use_ema else state.g.params
    return state.g.apply_fn(state.g.variables(params), z)


def make_d_step(latent_dim: int) -> StepFn:
    """One discriminator update on a batch ``{"x": real}`` against fresh fakes."""

    def d_step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        real = batch["x"]
        fake = jax.lax.stop_gradient(
            generate(state, latent(step_key(state), real.shape[0], latent_dim))
        )

        def loss_fn(d_params):
            variables = state.d.variables(d_params)
            real_logits = state.d.apply_fn(variables, real)
            fake_logits = state.d.apply_fn(variables, fake)
            return losses.discriminator_loss(real_logits, fake_logits), (real_logits, fake_logits)

        (loss, (real_logits, fake_logits)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            state.d.params
        )
        metrics = {
            "d_loss": loss,
            "d_real": jnp.mean(jax.nn.sigmoid(real_logits)),
            "d_fake": jnp.mean(jax.nn.sigmoid(fake_logits)),
        }
        return state.replace(step=state.step + 1, d=state.d.apply_gradients(grads)), metrics

    return d_step


def make_g_step(latent_dim: int, generator_loss: str = "non_saturating") -> StepFn:
    """One generator update; ``generator_loss`` is ``"minimax"`` or ``"non_saturating"``."""
    loss_of_logits = losses.GENERATOR_LOSSES[generator_loss]

    def g_step(state: GANState, batch: dict) -> tuple[GANState, dict]:
        z = latent(step_key(state), batch["x"].shape[0], latent_dim)

        def loss_fn(g_params):
            fake = state.g.apply_fn(state.g.variables(g_params), z)
            return loss_of_logits(state.d.apply_fn(state.d.variables(), fake))

        loss, grads = jax.value_and_grad(loss_fn)(state.g.params)
        return state.replace(step=state.step + 1, g=state.g.apply_gradients(grads)), {
            "g_loss": loss
        }

    return g_step


def make_gan_step(latent_dim: int, *, generator_loss: str = "non_saturating", k: int = 1) -> StepFn:
    """``alternate(d_step, g_step, k)``: k discriminator updates, then one generator update."""
    if generator_loss not in losses.GENERATOR_LOSSES:
        raise ValueError(
            f"unknown generator loss {generator_loss!r}; "
            f"use one of {sorted(losses.GENERATOR_LOSSES)}"
        )
    return alternate(make_d_step(latent_dim), make_g_step(latent_dim, generator_loss), k)
