"""The CycleGAN train state: two generators, two discriminators, their optimisers, the two
pools of past fakes, the update counter and the base key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct

from jaxgen.core.rng import init_key
from jaxgen.core.state import NetState, init_variables
from jaxgen.cyclegan.pool import ImagePool, empty_pool


class CycleGANState(struct.PyTreeNode):
    """``g``: A → B, ``f``: B → A; ``d_a`` judges domain A (real a against F(b)), ``d_b``
    domain B (real b against G(a)); ``pool_a`` holds past F(b), ``pool_b`` past G(a).
    ``step`` counts updates (a generator update and a discriminator update each add one);
    ``key`` is the run's base key."""

    step: jax.Array
    key: jax.Array
    g: NetState
    f: NetState
    d_a: NetState
    d_b: NetState
    pool_a: ImagePool
    pool_b: ImagePool


def init_cyclegan_state(
    *,
    seed: int,
    generator: nn.Module,
    discriminator: nn.Module,
    shape_a: Sequence[int],
    shape_b: Sequence[int],
    g_tx: optax.GradientTransformation,
    d_tx: optax.GradientTransformation,
    pool_size: int = 50,
    ema: bool = False,
    compute_dtype: Any = jnp.float32,
) -> CycleGANState:
    """Fresh networks from ``init_key(key(seed))`` (one split per network) and empty pools.

    Args:
      seed: the seed of the run's base key, ``jax.random.key(seed)``.
      generator: the generators' module definition; G (A → B) and F (B → A) get their own
        parameters.
      discriminator: the discriminators' module definition; D_A and D_B get their own
        parameters.
      shape_a: the shape of one image of domain A.
      shape_b: the shape of one image of domain B.
      g_tx: the optimiser of each generator.
      d_tx: the optimiser of each discriminator.
      pool_size: how many past fakes each pool holds (the paper: 50; 0: no pool).
      ema: keep an EMA of both generators' parameters (update them with
        ``with_ema(step, decay, net="g")``, then ``net="f"``).
      compute_dtype: the dtype every network computes in (:mod:`jaxgen.core.precision`).

    Returns:
      a :class:`CycleGANState` at step 0.
    """
    key = jax.random.key(seed)
    keys = jax.random.split(init_key(key), 4)
    a, b = jnp.zeros((1, *shape_a)), jnp.zeros((1, *shape_b))
    g, d = {"tx": g_tx, "ema": ema}, {"tx": d_tx, "ema": False}
    return CycleGANState(
        step=jnp.zeros((), jnp.int32),
        key=key,
        g=_net(generator, keys[0], a, compute_dtype=compute_dtype, **g),
        f=_net(generator, keys[1], b, compute_dtype=compute_dtype, **g),
        d_a=_net(discriminator, keys[2], a, compute_dtype=compute_dtype, **d),
        d_b=_net(discriminator, keys[3], b, compute_dtype=compute_dtype, **d),
        pool_a=empty_pool(pool_size, shape_a),
        pool_b=empty_pool(pool_size, shape_b),
    )


def _net(module: nn.Module, key: jax.Array, x: jax.Array, **settings) -> NetState:
    """A network initialised from ``key`` on inputs like ``x``."""
    return NetState.create(module=module, variables=init_variables(module, key, x), **settings)


def translate(net: NetState, x: jax.Array) -> jax.Array:
    """A generator's output for ``x`` (inference mode), ``net`` being one of the state's
    generators (``state.g`` translates A → B, ``state.f`` B → A)."""
    return net.forward(net.params, x, train=False)[0]
