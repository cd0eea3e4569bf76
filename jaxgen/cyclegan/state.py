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
    ``step`` counts updates (a generator update and a discriminator update each add one)."""

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
    """Fresh networks from ``init_key(key(seed))`` (one split per network), computing in
    ``compute_dtype``, and empty pools of ``pool_size`` past fakes.

    ``generator`` and ``discriminator`` are module definitions; each direction and domain
    gets its own parameters. Images of domain A have ``shape_a``, of domain B ``shape_b``.
    ``ema=True`` keeps an EMA of both generators' parameters (``with_ema(step, decay,
    net="g")``, then ``net="f"``)."""
    key = jax.random.key(seed)
    keys = jax.random.split(init_key(key), 4)
    a, b = jnp.zeros((1, *shape_a)), jnp.zeros((1, *shape_b))

    def net(module, net_key, x, tx, keeps_ema=False):
        variables = init_variables(module, net_key, x)
        return NetState.create(
            module=module, variables=variables, tx=tx, ema=keeps_ema, compute_dtype=compute_dtype
        )

    return CycleGANState(
        step=jnp.zeros((), jnp.int32),
        key=key,
        g=net(generator, keys[0], a, g_tx, ema),
        f=net(generator, keys[1], b, g_tx, ema),
        d_a=net(discriminator, keys[2], a, d_tx),
        d_b=net(discriminator, keys[3], b, d_tx),
        pool_a=empty_pool(pool_size, shape_a),
        pool_b=empty_pool(pool_size, shape_b),
    )


def translate(net: NetState, x: jax.Array) -> jax.Array:
    """A generator's output for ``x`` (inference mode)."""
    return net.forward(net.params, x, train=False)[0]
