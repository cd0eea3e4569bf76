"""Volume-tracking layers between couplings (Glow, Kingma & Dhariwal 2018, §3; RealNVP §3.6).

All act on the last (channel) axis at every position; ``positions(x)`` is the number of
positions per example (H·W for images, 1 for vectors), which multiplies per-channel log-dets.

* ActNorm (Glow §3.1): z = (x + b)·exp(log s) per channel; log|det| = positions · Σ log s.
  Data-dependent init: b = −mean and exp(log s) = 1/(std + 1e-6) of the first batch, so the
  first batch comes out with zero mean and unit variance per channel; a channel constant in
  that batch (std < 1e-6) keeps s = 1 instead of a scale of 1e6.
* Reverse and a fixed random permutation of the channels (constants, not parameters):
  log|det| = 0.
* Invertible 1x1 convolution, LU-parametrised (Glow §3.2): W = P·L·(U + diag(sign · exp(log s)))
  with P and sign fixed from a random rotation at init, L unit lower-triangular, U strictly
  upper-triangular; z = x·Wᵀ at each position, log|det| = positions · Σ log s.
* Squeeze (RealNVP §3.6): each 2x2x C block becomes 1x1x 4C; a permutation, log|det| = 0.
* LogitTransform (RealNVP §4.1): dequantized pixels x̃ ∈ (−½, ½) → p = α + (1 − 2α)(x̃ + ½)
  → y = log p − log(1 − p), so that the flow works on an unbounded space;
  log|det| = Σ [log(1 − 2α) − log p − log(1 − p)]. As a bijector its Jacobian enters log p_X
  like any layer's, so bits/dim count it with nothing added.
* LearnedPrior (Glow's code, ``learntop``): the prior of the top level's output h is
  N(μ, σ²) per element with learned μ and log σ, zero at init. Scoring h under N(μ, σ²) is
  scoring z = (h − μ)/σ under N(0, I) with log|det| = −Σ log σ, so the prior is this
  elementwise affine bijector placed last, and the flow keeps its N(0, I) base; sampling
  h = μ + σ·z with z ~ N(0, T² I) is Glow's temperature on the learned prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.errors import JaxgenError


def positions(x: jax.Array) -> int:
    return int(np.prod(x.shape[1:-1], dtype=int))


def per_channel(values: jax.Array, x: jax.Array) -> jax.Array:
    """``values`` of shape (C,) shaped to broadcast against ``x`` (batch, …, C)."""
    return values.reshape((1,) * (x.ndim - 1) + (-1,))


@dataclass(frozen=True)
class ActNorm:
    """Glow's activation normalisation (§3.1): z = (x + b)·exp(log s) per channel,
    log|det| = positions · Σ log s; ``init`` sets b and log s from the first batch so that it
    comes out with zero mean and unit variance per channel (see the module docstring)."""

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        axes = tuple(range(x.ndim - 1))
        mean, std = jnp.mean(x, axis=axes), jnp.std(x, axis=axes)
        # nothing to whiten: keep the scale at 1. Relative, because a float32 mean of a
        # constant channel leaves a rounding-error std (~1e-6 of the value)
        constant = std < 1e-4 * (1.0 + jnp.abs(mean))
        return {"bias": -mean, "log_scale": jnp.where(constant, 0.0, -jnp.log(std + 1e-6))}

    def forward_and_log_det(self, params, x):
        z = (x + per_channel(params["bias"], x)) * per_channel(jnp.exp(params["log_scale"]), x)
        log_det = positions(x) * jnp.sum(params["log_scale"])
        return z, jnp.full(x.shape[0], log_det, x.dtype)

    def inverse_and_log_det(self, params, z):
        x = z * per_channel(jnp.exp(-params["log_scale"]), z) - per_channel(params["bias"], z)
        log_det = -positions(z) * jnp.sum(params["log_scale"])
        return x, jnp.full(z.shape[0], log_det, z.dtype)


@dataclass(frozen=True, kw_only=True)
class Permute:
    """A fixed permutation of the channels: reversed, or drawn from ``seed``.

    The order is a trace-time constant, not a parameter: an integer leaf among the parameters
    would break ``jax.grad`` and the optimiser of any flow that contains it."""

    seed: int | None = None  # None: reverse the channels

    def _order(self, channels: int) -> np.ndarray:
        if self.seed is None:
            return np.arange(channels)[::-1].copy()
        return np.random.default_rng(self.seed).permutation(channels)

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        return {}

    def forward_and_log_det(self, params, x):
        return jnp.take(x, self._order(x.shape[-1]), axis=-1), jnp.zeros(x.shape[0], x.dtype)

    def inverse_and_log_det(self, params, z):
        inverse = np.argsort(self._order(z.shape[-1]))
        return jnp.take(z, inverse, axis=-1), jnp.zeros(z.shape[0], z.dtype)


@dataclass(frozen=True)
class InvertibleConv1x1:
    """Glow's invertible 1x1 convolution (§3.2), LU-parametrised:
    W = P·L·(U + diag(sign · exp(log s))), z = x·Wᵀ at each position,
    log|det| = positions · Σ log s; ``init`` starts W at a random rotation."""

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        channels = x.shape[-1]
        rotation, _ = jnp.linalg.qr(jax.random.normal(key, (channels, channels), x.dtype))
        p, lower, upper = jax.scipy.linalg.lu(rotation)
        diagonal = jnp.diag(upper)
        return {
            "p": p,
            "sign": jnp.sign(diagonal),
            "lower": jnp.tril(lower, -1),
            "upper": jnp.triu(upper, 1),
            "log_scale": jnp.log(jnp.abs(diagonal)),
        }

    @staticmethod
    def _factors(params):
        channels = params["log_scale"].shape[0]
        lower = jnp.tril(params["lower"], -1) + jnp.eye(channels)
        upper = jnp.triu(params["upper"], 1) + jnp.diag(
            jax.lax.stop_gradient(params["sign"]) * jnp.exp(params["log_scale"])
        )
        return jax.lax.stop_gradient(params["p"]), lower, upper

    def forward_and_log_det(self, params, x):
        p, lower, upper = self._factors(params)
        weight = p @ lower @ upper
        log_det = positions(x) * jnp.sum(params["log_scale"])
        return x @ weight.T, jnp.full(x.shape[0], log_det, x.dtype)

    def inverse_and_log_det(self, params, z):
        p, lower, upper = self._factors(params)
        # x = W⁻¹ z per position, W = P L U: solve with the triangular factors
        flat = z.reshape(-1, z.shape[-1]).T
        y = jax.scipy.linalg.solve_triangular(lower, p.T @ flat, lower=True, unit_diagonal=True)
        x = jax.scipy.linalg.solve_triangular(upper, y, lower=False).T.reshape(z.shape)
        log_det = -positions(z) * jnp.sum(params["log_scale"])
        return x, jnp.full(z.shape[0], log_det, z.dtype)


@dataclass(frozen=True)
class Squeeze:
    """RealNVP's squeeze (§3.6): each 2x2xC block of an (N, H, W, C) image becomes a 1x1x4C
    position of an (N, H/2, W/2, 4C) one; a permutation, log|det| = 0. H and W must be even."""

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        n, h, w, c = x.shape
        if h % 2 or w % 2:
            raise JaxgenError(f"squeeze needs even height and width, got {h}x{w}")
        return {}

    def forward_and_log_det(self, params, x):
        n, h, w, c = x.shape
        z = x.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
        return z.reshape(n, h // 2, w // 2, 4 * c), jnp.zeros(n, x.dtype)

    def inverse_and_log_det(self, params, z):
        n, h, w, c4 = z.shape
        x = z.reshape(n, h, w, 2, 2, c4 // 4).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, 2 * h, 2 * w, c4 // 4), jnp.zeros(n, z.dtype)


@dataclass(frozen=True)
class LearnedPrior:
    """Glow's learned prior on the top level's output (its code's ``learntop``):
    z = (h − μ)/σ per element with learned μ and log σ, zero at init; log|det| = −Σ log σ.
    Placed last, it lets the flow keep its N(0, I) base (see the module docstring)."""

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        zeros = jnp.zeros(x.shape[1:], x.dtype)
        return {"mean": zeros, "log_scale": zeros}

    def forward_and_log_det(self, params, x):
        z = (x - params["mean"][None]) * jnp.exp(-params["log_scale"])[None]
        return z, jnp.full(x.shape[0], -jnp.sum(params["log_scale"]), x.dtype)

    def inverse_and_log_det(self, params, z):
        x = z * jnp.exp(params["log_scale"])[None] + params["mean"][None]
        return x, jnp.full(z.shape[0], jnp.sum(params["log_scale"]), z.dtype)


@dataclass(frozen=True, kw_only=True)
class LogitTransform:
    """RealNVP's logit transform (§4.1): dequantized pixels x̃ ∈ (−½, ½) →
    p = α + (1 − 2α)(x̃ + ½) → y = log p − log(1 − p), with
    log|det| = Σ [log(1 − 2α) − log p − log(1 − p)].

    Attributes:
      alpha: α, which keeps p inside (0, 1) (RealNVP: 0.05 for CIFAR-10).
    """

    alpha: float = 0.05  # RealNVP §4.1: α = 0.05 for CIFAR-10

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        return {}

    def _log_det(self, p: jax.Array) -> jax.Array:
        terms = math.log(1 - 2 * self.alpha) - jnp.log(p) - jnp.log1p(-p)
        return terms.reshape(p.shape[0], -1).sum(axis=1)

    def forward_and_log_det(self, params, x):
        p = self.alpha + (1 - 2 * self.alpha) * (x + 0.5)
        return jnp.log(p) - jnp.log1p(-p), self._log_det(p)

    def inverse_and_log_det(self, params, y):
        p = jax.nn.sigmoid(y)
        return (p - self.alpha) / (1 - 2 * self.alpha) - 0.5, -self._log_det(p)
