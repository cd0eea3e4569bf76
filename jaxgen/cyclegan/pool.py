"""The history of generated images the discriminators train on (Shrivastava et al. 2017;
CycleGAN, Zhu et al. 2017, §4: "a buffer that stores the 50 previously created images").

As the official implementation's ``ImagePool.query``, image by image: while the pool holds
fewer than ``size`` images the new fake is stored and returned; once full, with probability
½ a uniformly chosen stored fake is returned and the new one takes its place, otherwise the
new fake is returned and the pool is unchanged. The pool is two arrays in the train state,
updated by a pure function of a key, so a resumed run draws the same history.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
from flax import struct


class ImagePool(struct.PyTreeNode):
    """``images`` (size, *shape) of which the first ``count`` are filled."""

    images: jax.Array
    count: jax.Array

    @property
    def size(self) -> int:
        return self.images.shape[0]


def empty_pool(size: int, image_shape: Sequence[int]) -> ImagePool:
    """A pool of room for ``size`` images of ``image_shape`` holding none yet."""
    return ImagePool(
        images=jnp.zeros((size, *image_shape), jnp.float32), count=jnp.zeros((), jnp.int32)
    )


def query_pool(pool: ImagePool, fakes: jax.Array, key: jax.Array) -> tuple[ImagePool, jax.Array]:
    """(the updated pool, the images to show the discriminator), one per fake in ``fakes``;
    the coin flips and the choices of stored fakes come from ``key``. A pool of size 0
    returns ``fakes`` as they are."""
    if pool.size == 0:
        return pool, fakes

    def one(carry, inputs):
        images, count = carry
        fake, image_key = inputs
        coin_key, index_key = jax.random.split(image_key)
        filling = count < pool.size
        swap = ~filling & (jax.random.uniform(coin_key) > 0.5)
        index = jnp.where(filling, count, jax.random.randint(index_key, (), 0, pool.size))
        stored = images[index]
        images = images.at[index].set(jnp.where(filling | swap, fake, stored))
        return (images, count + filling), jnp.where(swap, stored, fake)

    keys = jax.random.split(key, fakes.shape[0])
    (images, count), shown = jax.lax.scan(one, (pool.images, pool.count), (fakes, keys))
    return ImagePool(images=images, count=count), shown
