"""Wasserstein GAN pieces: critic and generator losses, weight clipping, the gradient penalty.

Kantorovich-Rubinstein duality (Arjovsky et al. 2017, eq. 2; the lecture's "Extensions"):
W(p_data, p_G) = sup_{‖f‖_L ≤ 1} E_data f(x) − E_G f(x). The critic f ascends the estimate
E_data f − E_G f (descends its negative); the generator descends −E f(G(z)).

* Weight clipping (WGAN, Algorithm 1, c = 0.01): after every critic update each critic weight
  is clipped to [−c, c], which bounds the Lipschitz constant.
* Gradient penalty (WGAN-GP, Gulrajani et al. 2017, eq. 3): λ E_x̂ (‖∇_x̂ f(x̂)‖₂ − 1)² at
  x̂ = εx + (1 − ε)x̃, ε ~ U[0, 1] per example, x real and x̃ generated.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp


def critic_loss(real_scores: jax.Array, fake_scores: jax.Array) -> jax.Array:
    """−(mean f(x) − mean f(G(z))): the negated estimate of W the critic descends."""
    return jnp.mean(fake_scores) - jnp.mean(real_scores)


def generator_loss(fake_scores: jax.Array) -> jax.Array:
    """−mean f(G(z))."""
    return -jnp.mean(fake_scores)


def clip_weights(params, c: float):
    """Every leaf clipped to [−c, c] (WGAN, Algorithm 1, line 7)."""
    return jax.tree.map(lambda w: jnp.clip(w, -c, c), params)


def interpolates(key: jax.Array, real: jax.Array, fake: jax.Array) -> jax.Array:
    """x̂ = εx + (1 − ε)x̃ with ε ~ U[0, 1] drawn once per example."""
    eps = jax.random.uniform(key, (real.shape[0],) + (1,) * (real.ndim - 1))
    return eps * real + (1.0 - eps) * fake


def gradient_penalty(
    critic: Callable[[jax.Array], jax.Array], real: jax.Array, fake: jax.Array, key: jax.Array
) -> jax.Array:
    """mean (‖∇_x̂ f(x̂)‖₂ − 1)² over the batch (multiply by λ outside).

    The critic must score each example independently (no BatchNorm across the batch), as
    WGAN-GP requires (§4), so the gradient of the summed scores is the per-example gradient.
    """
    x_hat = interpolates(key, real, fake)
    grads = jax.grad(lambda x: jnp.sum(critic(x)))(x_hat)
    norms = jnp.sqrt(jnp.sum(grads.reshape(grads.shape[0], -1) ** 2, axis=1) + 1e-12)
    return jnp.mean((norms - 1.0) ** 2)
