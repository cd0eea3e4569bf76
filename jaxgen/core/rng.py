"""Randomness by ``fold_in``: update ``n`` of a run draws from ``fold_in(base_key, n)``.

A resumed run therefore draws exactly the keys an uninterrupted one would, whatever the
interruption point. Under data parallelism the step is one global computation
(``jax.jit`` over a ``Mesh``) and JAX's partitionable threefry makes the random numbers of a
global array independent of how it is split, so no device index is folded in: a sharded run
draws the same numbers as a one-device run. Samplers fold in their iteration index ``i``.
"""

from __future__ import annotations

import jax


def step_key(state) -> jax.Array:
    """The key of the update the state is about to take: ``fold_in(state.key, state.step)``."""
    return jax.random.fold_in(state.key, state.step)


def split_by_purpose(key: jax.Array, *purposes: str) -> dict[str, jax.Array]:
    """Independent keys named by purpose, e.g. ``split_by_purpose(k, "z", "dropout")``: ``key``
    split into one key per name in ``purposes``, returned as ``{purpose: key}``."""
    return dict(zip(purposes, jax.random.split(key, len(purposes)), strict=True))


def iteration_key(key: jax.Array, i) -> jax.Array:
    """The key of iteration ``i`` of a sampler: ``fold_in(key, i)``."""
    return jax.random.fold_in(key, i)


INIT_STREAM = 0xFFFFFFFF  # reserved: no run takes 2**32 - 1 updates


def init_key(base_key: jax.Array) -> jax.Array:
    """The key that initialises parameters, disjoint from every update's ``fold_in`` key."""
    return jax.random.fold_in(base_key, INIT_STREAM)
