"""The bijector protocol and its composition (the lecture's "Normalization Flow").

A flow f maps data x to latents z = f(x) with p_X(x) = p_Z(f(x)) |det Df(x)|, so

    log p_X(x) = log p_Z(f(x)) + log |det Df(x)|.

Every bijector here is a frozen dataclass of static settings whose parameters live outside it:

* ``init(key, x) -> params``: parameters, possibly from the data ``x`` (ActNorm);
* ``forward_and_log_det(params, x) -> (z, log_det)``: the normalizing direction x → z and
  log |det ∂z/∂x| per example (shape ``(batch,)``);
* ``inverse_and_log_det(params, z) -> (x, log_det)``: the generating direction z → x and
  log |det ∂x/∂z| = −(forward log-det at x).

Inputs carry a leading batch axis; ``event_ndim`` trailing axes form one example.

:class:`Chain` ``([f_1, …, f_K])`` is f = f_K ∘ … ∘ f_1: the forward pass applies ``f_1``
first, the inverse applies ``f_K``'s inverse first; the log-det is the sum of the layers'.
:class:`Repeated` is K identically shaped copies of one bijector with parameters stacked on a
leading axis and run under ``lax.scan``, so K layers compile once (flowjax's habit), or
unrolled on CPU, where a loop body of convolutions runs slowly (:mod:`jaxgen.core.backend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import jax
import jax.numpy as jnp

from jaxgen.core import backend
from jaxgen.core.combinators import scan

Params = Any


class Bijector(Protocol):
    """What every flow layer and flow provides (see the module docstring): ``init(key, x)``
    gives its parameters for example inputs ``x``, ``forward_and_log_det(params, x)`` maps
    data to latents with log |det ∂z/∂x| per example, ``inverse_and_log_det(params, z)`` maps
    latents back with log |det ∂x/∂z|."""

    def init(self, key: jax.Array, x: jax.Array) -> Params: ...

    def forward_and_log_det(self, params: Params, x: jax.Array) -> tuple[jax.Array, jax.Array]: ...

    def inverse_and_log_det(self, params: Params, z: jax.Array) -> tuple[jax.Array, jax.Array]: ...


def sum_per_example(values: jax.Array) -> jax.Array:
    """Sum over every axis but the leading batch axis."""
    return jnp.sum(values.reshape(values.shape[0], -1), axis=1)


@dataclass(frozen=True)
class Chain:
    """f = f_K ∘ … ∘ f_1 for ``layers = (f_1, …, f_K)``; params are a tuple in that order.

    ``init`` runs the layers in order on the example batch, so a data-dependent layer sees
    what its predecessors make of the data."""

    layers: Sequence[Bijector]

    def init(self, key: jax.Array, x: jax.Array) -> tuple:
        params = []
        for layer, layer_key in zip(
            self.layers, jax.random.split(key, len(self.layers)), strict=True
        ):
            p = layer.init(layer_key, x)
            x, _ = layer.forward_and_log_det(p, x)
            params.append(p)
        return tuple(params)

    def forward_and_log_det(self, params, x):
        total = jnp.zeros(x.shape[0], x.dtype)
        for layer, p in zip(self.layers, params, strict=True):
            x, log_det = layer.forward_and_log_det(p, x)
            total = total + log_det
        return x, total

    def inverse_and_log_det(self, params, z):
        total = jnp.zeros(z.shape[0], z.dtype)
        for layer, p in zip(reversed(self.layers), reversed(params), strict=True):
            z, log_det = layer.inverse_and_log_det(p, z)
            total = total + log_det
        return z, total


@dataclass(frozen=True, kw_only=True)
class Repeated:
    """``count`` copies of ``layer`` with independent parameters, stacked on a leading axis;
    forward runs copy 0 first. ``init`` is a scan too, feeding each copy its predecessors'
    output, so that data-dependent layers (ActNorm) initialise on what they will see.

    ``unroll=True`` unrolls the scans: the same computation, compiled as ``count`` copies.
    Layers with convolutions need it on XLA:CPU, where a convolution inside a loop body runs
    many times slower (jax issue 12868); ``unroll=None`` (the default) unrolls where the
    backend in use wants it (:func:`jaxgen.core.backend.unroll_inner_loops`: on CPU) and keeps
    the rolled scan, which compiles in time independent of ``count``, elsewhere."""

    layer: Bijector
    count: int
    unroll: bool | None = None

    def _unroll(self) -> bool:
        return backend.unroll_inner_loops() if self.unroll is None else self.unroll

    def init(self, key: jax.Array, x: jax.Array):
        def init_one(x, layer_key):
            params = self.layer.init(layer_key, x)
            return self.layer.forward_and_log_det(params, x)[0], params

        keys = jax.random.split(key, self.count)
        _, params = scan(init_one, x, keys, length=self.count, unroll=self._unroll())
        return params

    def forward_and_log_det(self, params, x):
        return self._through(self.layer.forward_and_log_det, params, x, reverse=False)

    def inverse_and_log_det(self, params, z):
        return self._through(self.layer.inverse_and_log_det, params, z, reverse=True)

    def _through(self, direction, params, x, *, reverse: bool):
        """``direction`` of every copy in turn (the last copy first if ``reverse``), the
        log-dets summed."""

        def one(carry, p):
            x, total = carry
            x, log_det = direction(p, x)
            return (x, total + log_det), None

        start = (x, jnp.zeros(x.shape[0], x.dtype))
        (x, total), _ = scan(
            one, start, params, length=self.count, reverse=reverse, unroll=self._unroll()
        )
        return x, total
