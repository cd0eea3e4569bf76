"""Class-conditional denoisers and classifier-free guidance (Ho & Salimans 2022).

Training (their Algorithm 1): each example's label is replaced by the null label ∅ with
probability ``p_uncond`` (:func:`drop_labels`), so one network learns ε(x_t, c) and ε(x_t, ∅).

Sampling (their eq. 6, Algorithm 2): with guidance weight w,

    ε̃(x_t, c) = (1 + w)·ε(x_t, c) − w·ε(x_t, ∅),

w = 0 is the conditional model, larger w trades diversity for fidelity to the class. The
samplers of :mod:`jaxgen.diffusion.samplers` take any denoiser ``net(x_t, t)``, so a
conditional one is the network with its labels bound (:func:`class_conditional`) and a guided
one is :func:`guided`; both work with the ancestral and the DDIM steps. Guidance is applied
to the network's output whatever it predicts: for a fixed x_t and t, ε̂, x̂_0 and v̂ are
affine functions of one another, and an affine combination with weights (1 + w, −w), which
sum to 1, commutes with an affine map, so guiding x̂_0 or v̂ guides ε̂ identically. A network
that also outputs a learned variance's v would have v extrapolated too; the diffusion family
refuses guidance for such a model.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from jaxgen.diffusion.losses import Denoiser
from jaxgen.nn.labels import null_label

# net(x_t, timesteps, labels) -> output of x_t's shape
ConditionalDenoiser = Callable[[jax.Array, jax.Array, jax.Array], jax.Array]


def drop_labels(labels: jax.Array, key: jax.Array, p_uncond: float, num_classes: int):
    """``labels`` with each replaced by ∅ (= ``num_classes``) independently with probability
    ``p_uncond``, the coins drawn with ``key`` (Ho & Salimans 2022, Algorithm 1)."""
    dropped = jax.random.bernoulli(key, p_uncond, labels.shape)
    return jnp.where(dropped, null_label(num_classes), labels).astype(jnp.int32)


def class_conditional(net: ConditionalDenoiser, labels: jax.Array) -> Denoiser:
    """The denoiser ``x_t, t ↦ net(x_t, t, labels)``: the conditional model for ``labels``
    (one per example; ∅ for the unconditional model)."""
    return lambda xt, t: net(xt, t, labels)


def guided(
    net: ConditionalDenoiser, labels: jax.Array, weight: float, num_classes: int
) -> Denoiser:
    """Classifier-free guidance of weight w = ``weight``: ``x_t, t ↦ (1 + w)·net(x_t, t, c) −
    w·net(x_t, t, ∅)`` (Ho & Salimans 2022, eq. 6), c = ``labels`` (one per example) and
    ∅ = ``num_classes``, both terms from one network call on the batch doubled (the
    conditional half first)."""
    null = jnp.full_like(labels, null_label(num_classes))

    def denoise(xt, t):
        both = net(
            jnp.concatenate([xt, xt]), jnp.concatenate([t, t]), jnp.concatenate([labels, null])
        )
        conditional, unconditional = jnp.split(both, 2)
        return (1 + weight) * conditional - weight * unconditional

    return denoise
