"""The diffusion denoisers: the U-Net at the sizes the configs use, the MLP for 2-D data."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.flatten_util import ravel_pytree

from jaxgen.core import compiler
from jaxgen.nn.mlp import TimeConditionedMLP
from jaxgen.nn.time_embedding import timestep_embedding
from jaxgen.nn.unet import UNet


def test_time_embedding_is_sinusoidal_and_distinguishes_steps():
    e = timestep_embedding(jnp.array([0, 1, 999]), 16)
    assert e.shape == (3, 16)
    np.testing.assert_allclose(e[0], np.r_[np.zeros(8), np.ones(8)], atol=1e-7)
    np.testing.assert_allclose(np.square(e).sum(1), 8.0, rtol=1e-5)  # sin² + cos² per pair
    assert not np.allclose(e[1], e[2])


@pytest.mark.parametrize(
    "size, channels, multipliers, attention_at",
    [(8, 1, (1, 2, 2), (4,)), (32, 3, (1, 2, 2, 2), (16,))],
)
def test_unet_maps_images_to_images_and_starts_at_zero(size, channels, multipliers, attention_at):
    net = UNet(
        channels=16,
        multipliers=multipliers,
        blocks=1,
        attention_at=attention_at,
        dropout=0.1,
        groups=4,
    )
    x = jax.random.normal(jax.random.key(0), (2, size, size, channels))
    t = jnp.array([3, 700])
    params = compiler.jit(net.init)(jax.random.key(1), x, t)
    out = compiler.jit(net.apply)(params, x, t)
    assert out.shape == x.shape
    np.testing.assert_array_equal(out, 0.0)  # zero-initialised output convolution


def perturbed(init):
    """``init`` with 0.1 x standard normal noise added to every parameter, so that the
    zero-initialised layers pass a signal: one draw for all of them (one draw per parameter
    made the program take 23.7 s to compile instead of 8.6)."""

    def noisy_init(key, *args):
        flat, unflatten = ravel_pytree(init(key, *args))
        return unflatten(flat + 0.1 * jax.random.normal(jax.random.fold_in(key, 1), flat.shape))

    return noisy_init


def test_unet_depends_on_time_and_dropout_acts_only_in_training():
    net = UNet(channels=16, multipliers=(1, 2), blocks=1, attention_at=(4,), dropout=0.5, groups=4)
    x = jax.random.normal(jax.random.key(0), (2, 8, 8, 1))
    params = compiler.jit(perturbed(net.init))(jax.random.key(1), x, jnp.zeros(2, jnp.int32))
    apply = compiler.jit(net.apply, static_argnames="train")
    early = apply(params, x, jnp.array([1, 1]))
    late = apply(params, x, jnp.array([900, 900]))
    assert not np.allclose(early, late)
    np.testing.assert_array_equal(early, apply(params, x, jnp.array([1, 1])))
    dropped = [
        apply(params, x, jnp.array([1, 1]), train=True, rngs={"dropout": jax.random.key(k)})
        for k in (3, 4)
    ]
    assert not np.allclose(dropped[0], dropped[1])


def test_mlp_denoiser_shapes():
    net = TimeConditionedMLP(hidden=(32, 32), embedding=16)
    x = jnp.ones((5, 2))
    params = net.init(jax.random.key(0), x, jnp.arange(5))
    assert net.apply(params, x, jnp.arange(5)).shape == (5, 2)
