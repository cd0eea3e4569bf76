"""GAN objectives as pure functions of discriminator outputs (logits ``l``; D = σ(l)).

Cross-entropy terms use ``log σ(l) = −softplus(−l)`` and ``log(1 − σ(l)) = −softplus(l)``,
finite for every finite logit (never ``log(sigmoid(l))``).

* Goodfellow et al. 2014, eq. 1: min_G max_D V(D, G) = E_data[log D(x)] + E_z[log(1 − D(G(z)))].
  The discriminator descends −V; the generator descends E log(1 − D(G(z))) (``minimax``, which
  saturates when D rejects the fakes) or −E log D(G(z)) (``non_saturating``, §3).
* Least squares (Mao et al. 2017, eq. 2 with a = 0, b = c = 1):
  L_D = ½E(D(x) − 1)² + ½E D(G(z))²,  L_G = ½E(D(G(z)) − 1)².
* Hinge (Lim & Ye 2017; Miyato et al. 2018, eq. 16):
  L_D = E relu(1 − D(x)) + E relu(1 + D(G(z))),  L_G = −E D(G(z)).
* Wasserstein (Arjovsky et al. 2017): L_D = E f(G(z)) − E f(x),  L_G = −E f(G(z)); see
  :mod:`jaxgen.gan.wasserstein` for clipping and the gradient penalty.

:data:`OBJECTIVES` is the one registry of adversarial objectives: the GAN steps and CycleGAN
(with its code's scaling, :func:`scaled`) choose from it by name through :func:`objective`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.gan import wasserstein


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


def least_squares_discriminator_loss(real: jax.Array, fake: jax.Array) -> jax.Array:
    """½ mean (D(x) − 1)² + ½ mean D(G(z))² (Mao et al. 2017)."""
    return 0.5 * jnp.mean((real - 1.0) ** 2) + 0.5 * jnp.mean(fake**2)


def least_squares_generator_loss(fake: jax.Array) -> jax.Array:
    """½ mean (D(G(z)) − 1)² (Mao et al. 2017)."""
    return 0.5 * jnp.mean((fake - 1.0) ** 2)


def hinge_discriminator_loss(real: jax.Array, fake: jax.Array) -> jax.Array:
    """mean relu(1 − D(x)) + mean relu(1 + D(G(z)))."""
    return jnp.mean(jax.nn.relu(1.0 - real)) + jnp.mean(jax.nn.relu(1.0 + fake))


def hinge_generator_loss(fake: jax.Array) -> jax.Array:
    """−mean D(G(z))."""
    return -jnp.mean(fake)


def identity(d: jax.Array) -> jax.Array:
    """D's outputs as they are (objectives on raw outputs)."""
    return d


@dataclass(frozen=True, kw_only=True)
class Objective:
    """An adversarial objective.

    Attributes:
      discriminator: ``(real outputs, fake outputs) -> loss`` that D (or the critic) descends.
      generator: ``fake outputs -> loss`` that G descends.
      score: how to report D's outputs (σ for logits, the identity otherwise).
    """

    discriminator: Callable[[jax.Array, jax.Array], jax.Array]
    generator: Callable[[jax.Array], jax.Array]
    score: Callable[[jax.Array], jax.Array] = identity


OBJECTIVES = {
    "minimax": Objective(
        discriminator=discriminator_loss, generator=minimax_generator_loss, score=jax.nn.sigmoid
    ),
    "non_saturating": Objective(
        discriminator=discriminator_loss,
        generator=non_saturating_generator_loss,
        score=jax.nn.sigmoid,
    ),
    "least_squares": Objective(
        discriminator=least_squares_discriminator_loss, generator=least_squares_generator_loss
    ),
    "hinge": Objective(discriminator=hinge_discriminator_loss, generator=hinge_generator_loss),
    "wasserstein": Objective(
        discriminator=wasserstein.critic_loss, generator=wasserstein.generator_loss
    ),
}
"""The adversarial objectives by name (see the module docstring for each one's losses):
``minimax`` and ``non_saturating`` (Goodfellow et al. 2014), ``least_squares``, ``hinge`` and
``wasserstein``; :func:`objective` looks one up."""


def objective(name: str) -> Objective:
    """The objective called ``name`` in :data:`OBJECTIVES`."""
    if name not in OBJECTIVES:
        raise JaxgenError(f"unknown GAN `objective` {name!r}; use one of {sorted(OBJECTIVES)}")
    return OBJECTIVES[name]


def scaled(base: Objective, *, discriminator: float, generator: float) -> Objective:
    """``base`` with its discriminator and generator losses multiplied by constants (a
    paper's code may weigh the same objective differently against its other terms)."""
    return Objective(
        discriminator=lambda real, fake: discriminator * base.discriminator(real, fake),
        generator=lambda fake: generator * base.generator(fake),
        score=base.score,
    )
