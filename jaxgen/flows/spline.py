"""Rational-quadratic spline coupling (Durkan et al. 2019, "Neural Spline Flows", §3.1, App. A).

Each transformed coordinate goes through a monotone rational-quadratic spline on [−B, B] with
K bins whose widths w_k, heights h_k and interior knot derivatives δ_k come from the
conditioner; outside [−B, B] the map is the identity (linear tails, δ = 1 at ±B). In bin k,
with ξ = (x − x_k)/w_k ∈ [0, 1) and s_k = h_k/w_k:

    y = y_k + h_k [s_k ξ² + δ_k ξ(1 − ξ)] / [s_k + (δ_{k+1} + δ_k − 2 s_k) ξ(1 − ξ)]

    dy/dx = s_k² [δ_{k+1} ξ² + 2 s_k ξ(1 − ξ) + δ_k (1 − ξ)²]
            / [s_k + (δ_{k+1} + δ_k − 2 s_k) ξ(1 − ξ)]²                           (eq. 5)

and the inverse solves the quadratic a ξ² + b ξ + c = 0 for its root in [0, 1) (App. A):
a = h_k (s_k − δ_k) + (y − y_k) Δ, b = h_k δ_k − (y − y_k) Δ, c = −s_k (y − y_k),
Δ = δ_{k+1} + δ_k − 2 s_k, ξ = 2c / (−b − sqrt(b² − 4ac)).

Widths and heights are softmaxes floored at 1e-3 of the interval, derivatives softplus + 1e-3,
as in the paper's code. The coupling splits vectors as :func:`jaxgen.flows.coupling.half_mask`
does; its conditioner outputs ``3K − 1`` values per transformed coordinate, starting at zero
(uniform bins, δ ≈ 1: close to the identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.core.precision import apply_in
from jaxgen.errors import JaxgenError
from jaxgen.flows.coupling import Conditioner, ConditionerInit, half_mask

MIN_BIN, MIN_DERIVATIVE = 1e-3, 1e-3


def _knots(unnormalized: jax.Array, bound: float) -> tuple[jax.Array, jax.Array]:
    """Bin sizes and the K + 1 knot positions on [−bound, bound]."""
    bins = unnormalized.shape[-1]
    sizes = MIN_BIN + (1 - MIN_BIN * bins) * jax.nn.softmax(unnormalized, axis=-1)
    knots = jnp.cumsum(sizes, axis=-1)
    knots = jnp.concatenate([jnp.zeros_like(knots[..., :1]), knots], axis=-1)
    knots = 2 * bound * knots - bound
    knots = knots.at[..., -1].set(bound)  # exact right end despite rounding
    return 2 * bound * sizes, knots


def _gather(values: jax.Array, index: jax.Array) -> jax.Array:
    return jnp.take_along_axis(values, index[..., None], axis=-1)[..., 0]


def rational_quadratic_spline(
    x: jax.Array, params: jax.Array, bound: float, inverse: bool = False
) -> tuple[jax.Array, jax.Array]:
    """The spline of ``params`` (shape ``x.shape + (3K − 1,)``) at ``x``, elementwise; returns
    the output and log|dy/dx| (forward) or log|dx/dy| (inverse) per element."""
    bins = (params.shape[-1] + 1) // 3
    widths, x_knots = _knots(params[..., :bins], bound)
    heights, y_knots = _knots(params[..., bins : 2 * bins], bound)
    inner = MIN_DERIVATIVE + jax.nn.softplus(params[..., 2 * bins :] + np.log(np.expm1(1.0)))
    ones = jnp.ones_like(inner[..., :1])
    derivatives = jnp.concatenate([ones, inner, ones], axis=-1)

    inside = (x > -bound) & (x < bound)
    clipped = jnp.clip(x, -bound, bound)
    knots = y_knots if inverse else x_knots
    k = jnp.clip(jnp.sum(clipped[..., None] >= knots[..., :-1], axis=-1) - 1, 0, bins - 1)
    x_k, y_k = _gather(x_knots, k), _gather(y_knots, k)
    w, h = _gather(widths, k), _gather(heights, k)
    d_k, d_next = _gather(derivatives, k), _gather(derivatives, k + 1)
    slope = h / w
    delta = d_next + d_k - 2 * slope

    if inverse:
        dy = clipped - y_k
        a = h * (slope - d_k) + dy * delta
        b = h * d_k - dy * delta
        c = -slope * dy
        xi = 2 * c / (-b - jnp.sqrt(jnp.maximum(b**2 - 4 * a * c, 0.0)))
        out = xi * w + x_k
    else:
        xi = (clipped - x_k) / w
        out = y_k + h * (slope * xi**2 + d_k * xi * (1 - xi)) / (slope + delta * xi * (1 - xi))
    between = xi * (1 - xi)
    numerator = slope**2 * (d_next * xi**2 + 2 * slope * between + d_k * (1 - xi) ** 2)
    log_slope = jnp.log(numerator) - 2 * jnp.log(slope + delta * between)
    log_det = jnp.where(inside, -log_slope if inverse else log_slope, 0.0)
    return jnp.where(inside, out, x), log_det


def transformed_size(dim: int, flip: bool) -> int:
    """How many of ``dim`` coordinates a :class:`SplineCoupling` transforms: the ones
    :func:`half_mask` sets to 0."""
    return int(np.sum(1 - half_mask(dim, flip)))


@dataclass(frozen=True, kw_only=True)
class SplineCoupling:
    """z_c = x_c,  z_t = RQS(x_t; θ(x_c)),  log|det| = Σ_t log RQS′(x_t), on vectors.

    x_c, the kept coordinates, are the first ⌈dim/2⌉ (the last ⌊dim/2⌋ if ``flip``): the ones
    :func:`half_mask` sets to 1; x_t are the rest. ``conditioner(params, x_c)`` gives
    ``transformed_size(dim, flip) · (3·bins − 1)`` values, computing in ``compute_dtype``
    (the spline itself runs in float32); ``init_conditioner(key, x_c)`` its parameters
    (:class:`~jaxgen.flows.coupling.Coupling`). Only the transformed coordinates get spline
    parameters and a spline: the masked form, which evaluates every coordinate and throws half
    away, would do twice the spline work and twice the conditioner's output layer.

    Attributes:
      dim: the size of the vectors.
      flip: keep the last ⌊dim/2⌋ coordinates instead of the first ⌈dim/2⌉.
      conditioner: ``conditioner(params, x_c) -> outputs``, as above.
      init_conditioner: ``init_conditioner(key, x_c) -> params``.
      bins: K, the spline's bins.
      bound: B: the spline covers [−B, B]; outside it the map is the identity.
      compute_dtype: what the conditioner computes in (:mod:`jaxgen.core.precision`).
    """

    dim: int
    flip: bool
    conditioner: Conditioner
    init_conditioner: ConditionerInit
    bins: int = 8
    bound: float = 4.0
    compute_dtype: Any = jnp.float32

    def _split(self, x: jax.Array) -> tuple[jax.Array, jax.Array]:
        """(x_c, x_t)."""
        if x.ndim != 2 or x.shape[-1] != self.dim:
            raise JaxgenError(
                f"a spline coupling of dim {self.dim} takes (batch, {self.dim}) vectors, got "
                f"shape {x.shape}; flatten the examples or build the flow with dim={x.shape[-1]}"
            )
        half = int(np.sum(half_mask(self.dim)))
        first, second = x[..., :half], x[..., half:]
        return (second, first) if self.flip else (first, second)

    def _join(self, kept: jax.Array, transformed: jax.Array) -> jax.Array:
        parts = (transformed, kept) if self.flip else (kept, transformed)
        return jnp.concatenate(parts, axis=-1)

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        return {"net": self.init_conditioner(key, self._split(x)[0])}

    def _spline(self, params, x, inverse):
        kept, transformed = self._split(x)
        raw = apply_in(self.compute_dtype, self.conditioner, params["net"], kept)
        raw = raw.reshape(*transformed.shape, 3 * self.bins - 1)
        y, log_det = rational_quadratic_spline(transformed, raw, self.bound, inverse)
        return self._join(kept, y), jnp.sum(log_det, axis=-1)

    def forward_and_log_det(self, params, x):
        return self._spline(params, x, inverse=False)

    def inverse_and_log_det(self, params, z):
        return self._spline(params, z, inverse=True)
