"""Coupling layers (the lecture's "coupling flows"; Dinh et al. 2015, 2017; Kingma & Dhariwal
2018).

With a binary mask m (1: the conditioning part, 0: the transformed part) and a conditioner
network NN that sees only x·m:

* additive (NICE):  z = x·m + (1 − m)·(x + t(x·m)),                    log|det| = 0
* affine (RealNVP): z = x·m + (1 − m)·(x·exp(log s(x·m)) + t(x·m)),    log|det| = Σ (1 − m)·log s

and the inverse x = z·m + (1 − m)·(z − t)·exp(−log s), with (log s, t) from NN(z·m) = NN(x·m).
The log-scale is kept bounded, which keeps training stable:

* ``scale="tanh"`` (RealNVP §4.1): log s = c · tanh(h), c a learned per-dimension factor
  starting at 1;
* ``scale="sigmoid"`` (Glow's code): s = sigmoid(h + 2), so log s = log σ(h + 2) ∈ (−∞, 0).

The conditioner is a pair of plain functions, ``init_conditioner(key, x) -> params`` and
``conditioner(params, x) -> outputs`` (a Flax module's ``init`` and ``apply``, or any other
network's). Its last layer should start at zero (Glow §3.3), so that every coupling starts as
the identity (t = 0 and, for tanh, log s = 0); :mod:`jaxgen.nn.conditioners`' networks do.

Masks: :func:`half_mask` for vectors (alternate ``flip`` between layers), :func:`checkerboard`
and :func:`channel_mask` for images (RealNVP §3.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.core.precision import apply_in
from jaxgen.errors import JaxgenError
from jaxgen.flows.bijector import sum_per_example

Conditioner = Callable[[Any, jax.Array], jax.Array]
"""``conditioner(params, x) -> outputs``: the network of a coupling layer."""
ConditionerInit = Callable[[jax.Array, jax.Array], Any]
"""``init_conditioner(key, x) -> params``: its parameters for inputs like ``x``."""

TRANSFORMS = ("additive", "affine")
SCALES = ("tanh", "sigmoid")


def half_mask(dim: int, flip: bool = False) -> np.ndarray:
    """1 on the first ⌈dim/2⌉ coordinates (on the rest if ``flip``)."""
    mask = (np.arange(dim) < (dim + 1) // 2).astype(np.float32)
    return 1.0 - mask if flip else mask


def checkerboard(height: int, width: int, channels: int, flip: bool = False) -> np.ndarray:
    """1 where (row + column) is even (odd if ``flip``), on every channel: the RealNVP
    checkerboard mask (§3.4) of shape (``height``, ``width``, ``channels``), float32."""
    board = (np.add.outer(np.arange(height), np.arange(width)) % 2 == int(flip)).astype(np.float32)
    return np.repeat(board[:, :, None], channels, axis=2)


def channel_mask(height: int, width: int, channels: int, flip: bool = False) -> np.ndarray:
    """1 on the first half of the channels (the second half if ``flip``): the RealNVP
    channel-wise mask (§3.4) of shape (``height``, ``width``, ``channels``), float32."""
    return np.broadcast_to(half_mask(channels, flip), (height, width, channels)).copy()


@dataclass(frozen=True, kw_only=True)
class Coupling:
    """A coupling bijector on examples shaped like ``mask``.

    Args:
      mask: 1 on the conditioning part, 0 on the transformed part.
      conditioner: maps x·m (shape ``(batch, *mask.shape)``) to ``2 × mask.shape[-1]``
        values on the last axis: the pre-activation h of the log-scale, then the shift t (the
        first half is ignored by the additive transform).
      init_conditioner: the conditioner's parameters for a key and inputs.
      transform: ``"additive"`` (NICE) or ``"affine"`` (RealNVP).
      scale: the bound of the affine log-scale, ``"tanh"`` or ``"sigmoid"``.
      compute_dtype: what the conditioner computes in (:mod:`jaxgen.core.precision`); the
        transform and its log-det run in float32.
    """

    mask: np.ndarray
    conditioner: Conditioner
    init_conditioner: ConditionerInit
    transform: str = "affine"
    scale: str = "tanh"
    compute_dtype: Any = jnp.float32

    def __post_init__(self):
        if self.transform not in TRANSFORMS:
            raise JaxgenError(
                f"unknown coupling `transform` {self.transform!r}; use one of {TRANSFORMS}"
            )
        if self.scale not in SCALES:
            raise JaxgenError(f"unknown coupling `scale` {self.scale!r}; use one of {SCALES}")

    def init(self, key: jax.Array, x: jax.Array) -> dict:
        params = {"net": self.init_conditioner(key, x * self.mask[None])}
        if self.transform == "affine" and self.scale == "tanh":
            params["scale"] = jnp.ones(self.mask.shape, x.dtype)
        return params

    def _log_scale_and_shift(self, params: dict, conditioning: jax.Array):
        out = apply_in(self.compute_dtype, self.conditioner, params["net"], conditioning)
        h, shift = jnp.split(out, 2, axis=-1)
        if self.transform == "additive":
            return jnp.zeros_like(shift), shift
        if self.scale == "tanh":
            return params["scale"][None] * jnp.tanh(h), shift
        return jax.nn.log_sigmoid(h + 2.0), shift

    def forward_and_log_det(self, params, x):
        m = self.mask[None]
        log_s, t = self._log_scale_and_shift(params, x * m)
        z = x * m + (1 - m) * (x * jnp.exp(log_s) + t)
        return z, sum_per_example((1 - m) * log_s)

    def inverse_and_log_det(self, params, z):
        m = self.mask[None]
        log_s, t = self._log_scale_and_shift(params, z * m)
        x = z * m + (1 - m) * (z - t) * jnp.exp(-log_s)
        return x, -sum_per_example((1 - m) * log_s)
