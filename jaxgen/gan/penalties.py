"""Discriminator regularisers, the D-step factory's hook (:func:`jaxgen.gan.make_d_step`'s
``penalties``): each is a weight times a term of the critic on the real and the fake batch,
added to the discriminator's loss.

* WGAN-GP (Gulrajani et al. 2017, eq. 3): E_x̂ (‖∇_x̂ D(x̂)‖₂ − 1)², x̂ on lines between real
  and fake examples; weight λ (10 in the paper).
* R1 (Mescheder et al. 2018, eq. 9): E_{x ~ p_data} ‖∇_x D(x)‖², the gradient of the logit at
  the real data only; weight γ/2 (γ = 10 for their CelebA-HQ and LSUN runs, §4).

A user's own regulariser is a :class:`Penalty` with any ``term(critic, real, fake, key)``; no
step is rewritten. ``critic(x)`` is D with the current parameters (and, for a conditional D,
the real batch's labels), one score per example.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from jaxgen.gan import wasserstein

Critic = Callable[[jax.Array], jax.Array]
# term(critic, real, fake, key) -> scalar
PenaltyTerm = Callable[[Critic, jax.Array, jax.Array, jax.Array], jax.Array]


@dataclass(frozen=True, kw_only=True)
class Penalty:
    """``weight · term(critic, real, fake, key)``, reported in the step's metrics as ``name``
    (the unweighted term).

    Args:
      name: the metric's name.
      weight: the term's factor in the discriminator's loss.
      term: ``term(critic, real, fake, key) -> scalar``.
    """

    name: str
    weight: float
    term: PenaltyTerm


def r1_term(critic: Critic, real, fake, key) -> jax.Array:
    """R1's E‖∇_x D(x)‖² over the real batch (``fake`` and ``key`` unused). The critic must
    score each example on its own (no BatchNorm across the batch) for the gradient of the
    summed scores to be each example's gradient."""
    del fake, key
    grads = jax.grad(lambda x: jnp.sum(critic(x)))(real)
    return jnp.mean(jnp.sum(grads.reshape(grads.shape[0], -1) ** 2, axis=1))


def gradient_penalty(weight: float) -> Penalty:
    """WGAN-GP's penalty with λ = ``weight``."""
    return Penalty(name="gradient_penalty", weight=weight, term=wasserstein.gradient_penalty)


def r1(gamma: float) -> Penalty:
    """The R1 penalty γ/2 · E‖∇D(x_real)‖² (Mescheder et al. 2018, eq. 9), γ = ``gamma``."""
    return Penalty(name="r1_penalty", weight=gamma / 2, term=r1_term)
