"""GAN losses as pure functions of discriminator logits ``l = logit D(x)``, so D = σ(l).

All use ``log σ(l) = -softplus(-l)`` and ``log(1 - σ(l)) = -softplus(l)``, which are finite for
every finite logit (never ``log(sigmoid(l))``).

Goodfellow et al. 2014, eq. 1: min_G max_D V(D, G) = E_data[log D(x)] + E_z[log(1 - D(G(z)))].
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def log_d(logits: jax.Array) -> jax.Array:
    """log D = log σ(l)."""
    return -jax.nn.softplus(-logits)


def log_one_minus_d(logits: jax.Array) -> jax.Array:
    """log(1 − D) = log σ(−l)."""
    return -jax.nn.softplus(logits)


def value_fn(real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
    """Minibatch estimate of V(D, G) = mean log D(x) + mean log(1 − D(G(z)))."""
    return jnp.mean(log_d(real_logits)) + jnp.mean(log_one_minus_d(fake_logits))


def discriminator_loss(real_logits: jax.Array, fake_logits: jax.Array) -> jax.Array:
    """The discriminator's cross-entropy −V(D, G): D ascends V by descending this."""
    return -value_fn(real_logits, fake_logits)


def minimax_generator_loss(fake_logits: jax.Array) -> jax.Array:
    """The saturating generator loss of the minimax game: mean log(1 − D(G(z)))."""
    return jnp.mean(log_one_minus_d(fake_logits))


def non_saturating_generator_loss(fake_logits: jax.Array) -> jax.Array:
    """The non-saturating generator loss −mean log D(G(z)) (Goodfellow et al. 2014, §3)."""
    return -jnp.mean(log_d(fake_logits))


GENERATOR_LOSSES = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
}
