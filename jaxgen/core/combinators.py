"""Step combinators: ``StepFn -> StepFn`` wrappers, composed like optax transforms.

A step is a pure function ``step(state, batch) -> (state, metrics)`` where ``metrics`` is a
flat ``dict[str, scalar array]``. Every combinator here keeps the state's tree structure and
dtypes, so wrapped steps compose in any order and stay ``jax.jit``-able.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxgen.core import backend
from jaxgen.errors import JaxgenError

Metrics = dict[str, jax.Array]
StepFn = Callable[[Any, Any], tuple[Any, Metrics]]

NONFINITE = "nonfinite"


def _index(tree, i):
    return jax.tree.map(lambda a: a[i], tree)


def scan(f, carry, xs, *, length: int, unroll: int | bool = 1, reverse: bool = False):
    """``jax.lax.scan(f, carry, xs, length, reverse=reverse, unroll=unroll)``, except that
    ``unroll=True`` traces the ``length`` calls one after another in Python, so the program
    has no loop at all. ``lax.scan(..., unroll=True)`` of length 1 still emits a one-trip
    while loop, and XLA:CPU runs convolutions in loop bodies many times slower (jax issue
    12868)."""
    if unroll is not True:
        return jax.lax.scan(f, carry, xs, length=length, reverse=reverse, unroll=unroll)
    outputs = [None] * length
    for i in reversed(range(length)) if reverse else range(length):
        carry, outputs[i] = f(carry, _index(xs, i))
    if outputs[0] is None:
        return carry, None
    return carry, jax.tree.map(lambda *ys: jnp.stack(ys), *outputs)


def scan_steps(step: StepFn, n: int, *, unroll: int | bool = 1) -> StepFn:
    """``n`` steps in one dispatch under ``jax.lax.scan``.

    The batch's leaves carry a leading axis of length ``n`` (batch ``i`` for step ``i``); the
    metrics come back stacked along that axis. ``unroll=True`` unrolls the loop fully, which
    XLA:CPU needs for convolutional steps (jax issue 12868: convolutions inside a loop body
    run many times slower there).
    """
    if n < 1:
        raise JaxgenError(f"scan_steps needs n >= 1, got {n}")

    def scanned(state, batches):
        return scan(step, state, batches, length=n, unroll=unroll)

    return scanned


def alternate(
    d_step: StepFn, g_step: StepFn, k: int = 1, *, unroll: int | bool | None = None
) -> StepFn:
    """Goodfellow et al. 2014, Algorithm 1: ``k`` discriminator updates, then one generator one.

    Args:
      d_step: the discriminator update, ``(state, batch) -> (state, metrics)``.
      g_step: the generator update, of the same form.
      k: the discriminator updates per generator update.
      unroll: how the ``k`` updates loop (``lax.scan``'s ``unroll``; None: the backend's choice,
        below).

    Returns:
      ``step(state, batches) -> (state, metrics)``.

    The batch's leaves carry a leading axis of length ``k``: discriminator update ``i`` sees
    minibatch ``i``; the generator update sees the last one (conditional models need data; an
    unconditional generator ignores it). The metrics are the union of the last discriminator
    update's and the generator update's; their names must not collide. ``unroll=None`` (the
    default) unrolls the k updates where the backend in use wants it
    (:func:`jaxgen.core.backend.unroll_inner_loops`: on CPU) and keeps a rolled loop elsewhere.
    """
    if k < 1:
        raise JaxgenError(f"alternate needs k >= 1 discriminator steps, got {k}")

    def alternating(state, batches):
        unrolled = backend.unroll_inner_loops() if unroll is None else unroll
        state, d_metrics = scan(d_step, state, batches, length=k, unroll=unrolled)
        state, g_metrics = g_step(state, _index(batches, -1))
        clash = d_metrics.keys() & g_metrics.keys()
        if clash:
            raise JaxgenError(f"d_step and g_step both report metrics {sorted(clash)}; rename one")
        return state, {**_index(d_metrics, -1), **g_metrics}

    return alternating


def with_ema(step: StepFn, decay: float, *, net: str | None = None, warmup: bool = True) -> StepFn:
    """After each step, ``ema ← d_n · ema + (1 − d_n) · params``, where n is the state's
    ``step`` after the update (its parameter updates so far; a GAN's counts D's and G's) and

        d_n = min(decay, (1 + n) / (10 + n))   with ``warmup`` (the default),
        d_n = decay                            without it.

    The warm-up is TensorFlow's ``ExponentialMovingAverage(num_updates=...)`` rule: early
    averages forget the initial weights (d_1 ≈ 0.18), and the fixed decay holds from
    n ≥ (10·decay − 1) / (1 − decay) on (about 90k updates for 0.9999, 9k for 0.999).

    Args:
      step: the step whose parameters to average.
      decay: the EMA's decay, in [0, 1) (DDPM: 0.9999).
      net: the field of the state holding the network (a
        :class:`~jaxgen.core.state.NetState`, e.g. ``"g"`` of a GAN, ``"denoiser"`` of a
        diffusion model); None for a state that holds ``params`` and ``ema_params`` itself (a
        flow's). Its ``ema_params`` must exist: create the state with ``ema=True``.
      warmup: use the warm-up rule above; False keeps ``decay`` from the first update.

    Returns:
      the step followed by the EMA update; its metrics are the step's.
    """
    if not 0.0 <= decay < 1.0:
        raise JaxgenError(f"EMA `decay` must lie in [0, 1), got {decay}")

    def average(holder, n):
        if holder.ema_params is None:
            where = "the state" if net is None else f"network {net!r}"
            raise JaxgenError(f"{where} keeps no EMA; create the state with `ema`=True")
        d = jnp.minimum(decay, (1.0 + n) / (10.0 + n)) if warmup else decay
        ema = jax.tree.map(lambda e, p: d * e + (1.0 - d) * p, holder.ema_params, holder.params)
        return holder.replace(ema_params=ema)

    def averaged(state, batch):
        state, metrics = step(state, batch)
        n = state.step.astype(jnp.float32)
        if net is None:
            return average(state, n), metrics
        return state.replace(**{net: average(getattr(state, net), n)}), metrics

    return averaged


def guard_nonfinite(step: StepFn) -> StepFn:
    """Refuse a step whose metrics are not all finite.

    Adds the metric ``"nonfinite"``: −1 when every metric is finite, otherwise the position of
    the first non-finite metric in ``sorted(metrics)``; in that case the state is returned
    unchanged, so nothing non-finite ever reaches the state. The training loop turns a
    non-negative value into an error naming the step and the metric.
    """

    def guarded(state, batch):
        new_state, metrics = step(state, batch)
        names = sorted(metrics)
        bad = jnp.stack([~jnp.all(jnp.isfinite(metrics[k])) for k in names])
        ok = ~jnp.any(bad)
        first = jnp.where(ok, -1, jnp.argmax(bad)).astype(jnp.int32)
        state = jax.lax.cond(ok, lambda pair: pair[0], lambda pair: pair[1], (new_state, state))
        return state, {**metrics, NONFINITE: first}

    return guarded


def nonfinite_metric_name(metrics: dict, position: int) -> str:
    """The metric that ``guard_nonfinite`` reported at ``position``."""
    return sorted(k for k in metrics if k != NONFINITE)[position]
