"""A class-conditional flow: Glow's learned class-conditional prior on the top level
(Kingma & Dhariwal 2018, §5; their code's ``ycond`` with ``learntop``).

The flow f is unchanged; its base distribution depends on the label y:

    p(x | y) = N(z_top; μ_y, diag σ_y²) · N(z_rest; 0, I) · |det Df(x)|,   z = f(x),

where z_top is the last level's output (the last ``top_dims`` entries of a
:class:`~jaxgen.flows.models.MultiScale` z, the coarsest scale) and μ_y, log σ_y are learned
per class (a linear map of the one-hot y, zero at init, as the code's ``linear_zeros``).
Sampling draws z_top = μ_y + σ_y·T·ε and the factored-out levels as T·ε, then inverts f.
A conditional flow's parameters are ``{"flow": f's, "prior": {"mean", "log_scale"}}``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from jaxgen.flows.bijector import Bijector
from jaxgen.flows.likelihood import standard_normal_log_prob


@dataclass(frozen=True, kw_only=True)
class ClassConditionalPrior:
    """p(z | y) of the module docstring.

    Attributes:
      num_classes: the classes y ranges over.
      top_dims: the entries of z (its last) that the class moves: the top level's size.
    """

    num_classes: int
    top_dims: int

    def init(self) -> dict:
        zeros = jnp.zeros((self.num_classes, self.top_dims))
        return {"mean": zeros, "log_scale": zeros}

    def log_prob(self, params: dict, z: jax.Array, labels: jax.Array) -> jax.Array:
        """log p(z | y) per example, in nats."""
        rest, top = z[:, : -self.top_dims], z[:, -self.top_dims :]
        mean, log_scale = params["mean"][labels], params["log_scale"][labels]
        standardised = (top - mean) * jnp.exp(-log_scale)
        top_log_prob = standard_normal_log_prob(standardised) - jnp.sum(log_scale, axis=1)
        return standard_normal_log_prob(rest) + top_log_prob

    def sample(self, params: dict, key, labels, latent_dim: int, temperature=1.0) -> jax.Array:
        """z ~ p(z | y) with every standard deviation scaled by T = ``temperature``."""
        eps = temperature * jax.random.normal(key, (labels.shape[0], latent_dim))
        mean, scale = params["mean"][labels], jnp.exp(params["log_scale"][labels])
        top = mean + scale * eps[:, -self.top_dims :]
        return jnp.concatenate([eps[:, : -self.top_dims], top], axis=1)


def top_level_size(flow, image_shape: tuple[int, ...]) -> int:
    """The size of a multi-scale flow's last level's output for one image of
    ``image_shape``, read from the flow's structure (nothing is computed)."""
    example = jnp.zeros((1, *image_shape))
    params = jax.eval_shape(flow.init, jax.random.key(0), example)
    return math.prod(flow.body.level_shapes(params, (1, *image_shape))[-1][1:])


def conditional_log_prob(
    flow: Bijector, prior: ClassConditionalPrior, params: dict, x: jax.Array, labels: jax.Array
) -> jax.Array:
    """log p(x | y) = log p(f(x) | y) + log|det Df(x)| per example, in nats, for the bijector
    ``flow`` f and the ``prior`` with ``params`` (``{"flow", "prior"}``) and ``labels`` y."""
    z, log_det = flow.forward_and_log_det(params["flow"], x)
    return prior.log_prob(params["prior"], z, labels) + log_det


def conditional_sample(
    flow: Bijector,
    prior: ClassConditionalPrior,
    params: dict,
    key: jax.Array,
    labels: jax.Array,
    latent_dim: int,
    temperature=1.0,
) -> jax.Array:
    """x = f⁻¹(z), z ~ p(z | y) of ``latent_dim`` dimensions at ``temperature``, drawn from
    ``key``: one sample per entry of ``labels``, for the bijector ``flow`` and the ``prior``
    with ``params`` (``{"flow", "prior"}``)."""
    z = prior.sample(params["prior"], key, labels, latent_dim, temperature)
    return flow.inverse_and_log_det(params["flow"], z)[0]
