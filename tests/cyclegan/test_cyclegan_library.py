"""CycleGAN's library pieces: the pool's history, the losses, the networks, and which
networks each half of the step may change."""

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen.core import compiler
from jaxgen.cyclegan import (
    cycle_loss,
    empty_pool,
    identity_loss,
    init_cyclegan_state,
    make_cyclegan_step,
    make_discriminator_update,
    make_generator_update,
    query_pool,
)
from jaxgen.nn.cyclegan import PatchDiscriminator, ResnetGenerator, reflect
from tests.conftest import as_numbers

SHAPE = (8, 8, 1)


def tagged(ids) -> jnp.ndarray:
    """Constant images whose value is their id, to follow them through the pool."""
    return jnp.broadcast_to(jnp.asarray(ids, jnp.float32)[:, None, None, None], (len(ids), *SHAPE))


def ids_of(images) -> np.ndarray:
    return np.asarray(images[:, 0, 0, 0]).astype(int)


def test_pool_fills_first_then_returns_a_past_fake_half_the_time_and_stores_the_new_one():
    pool = empty_pool(4, SHAPE)
    pool, shown = query_pool(pool, tagged([1, 2, 3]), jax.random.key(0))
    np.testing.assert_array_equal(ids_of(shown), [1, 2, 3])  # filling: the new fakes
    pool, shown = query_pool(pool, tagged([4, 5]), jax.random.key(1))
    assert int(pool.count) == 4 and ids_of(shown)[0] == 4  # the 4th fills the pool

    query, past_returned, n = compiler.jit(query_pool), 0, 2000
    for i in range(n):
        before = set(ids_of(pool.images))
        new_id = 100 + i
        pool, shown = query(pool, tagged([new_id]), jax.random.key(2 + i))
        after, (shown_id,) = set(ids_of(pool.images)), ids_of(shown)
        if shown_id == new_id:  # the new fake shown, the pool unchanged
            assert after == before
        else:  # a past fake shown, and the new one stored in its place
            past_returned += 1
            assert shown_id in before and after == (before - {shown_id}) | {new_id}
    # Binomial(2000, 1/2): standard deviation 22
    assert abs(past_returned - n / 2) < 4 * np.sqrt(n / 4)


def test_pool_of_size_zero_passes_the_fakes_through():
    pool = empty_pool(0, SHAPE)
    fakes = tagged([7, 8])
    _, shown = query_pool(pool, fakes, jax.random.key(0))
    np.testing.assert_array_equal(shown, fakes)


class Scale(nn.Module):
    """x · s with s initialised to 1: the identity map, with a parameter to differentiate."""

    @nn.compact
    def __call__(self, x):
        return x * self.param("s", nn.initializers.ones, ())


def small_state(generator=None, pool_size=3):
    """A CycleGAN state on SHAPE, initialised in one compiled program (op by op: 24 s)."""
    return compiler.jit(
        lambda: init_cyclegan_state(
            seed=0,
            generator=generator
            or ResnetGenerator(channels=1, features=4, blocks=1, downsamplings=1),
            discriminator=PatchDiscriminator(features=4, layers=1),
            shape_a=SHAPE,
            shape_b=SHAPE,
            g_tx=optax.adam(1e-2, 0.5),
            d_tx=optax.adam(1e-2, 0.5),
            pool_size=pool_size,
        )
    )()


def batch(seed=0, n=4):
    ka, kb = jax.random.split(jax.random.key(seed))
    return {
        "a": jax.random.uniform(ka, (n, *SHAPE), minval=-1),
        "b": jax.random.uniform(kb, (n, *SHAPE), minval=-1),
    }


def test_identity_generators_have_zero_cycle_and_identity_losses():
    state = small_state(Scale())
    _, _, metrics = compiler.jit(
        make_generator_update(objective="least_squares", cycle_weight=10.0, identity_weight=5.0)
    )(state, batch())
    assert float(metrics["cycle"]) == 0.0 and float(metrics["identity"]) == 0.0
    a, b = batch()["a"], batch()["b"]
    assert float(cycle_loss(a, a, b, b)) == 0.0 and float(identity_loss(b, b, a, a)) == 0.0
    assert float(cycle_loss(a, -a, b, b)) == pytest.approx(2 * float(jnp.mean(jnp.abs(a))))
    _, _, trained = compiler.jit(
        make_generator_update(objective="least_squares", cycle_weight=10.0, identity_weight=5.0)
    )(small_state(), batch())
    assert float(trained["cycle"]) > 0.1 and float(trained["identity"]) > 0.1


def changed(before, after) -> bool:
    return any(
        not np.array_equal(x, y)
        for x, y in zip(
            jax.tree.leaves(as_numbers(before)), jax.tree.leaves(as_numbers(after)), strict=True
        )
    )


@pytest.mark.parametrize("adversarial", ["least_squares", "non_saturating"])
def test_each_half_of_the_step_changes_only_its_own_networks(adversarial):
    state, data = small_state(), batch()
    g_update = make_generator_update(objective=adversarial, cycle_weight=10.0, identity_weight=5.0)
    after_g, fakes, _ = compiler.jit(g_update)(state, data)
    assert changed(state.g, after_g.g) and changed(state.f, after_g.f)
    assert not changed(
        (state.d_a, state.d_b, state.pool_a, state.pool_b),
        (after_g.d_a, after_g.d_b, after_g.pool_a, after_g.pool_b),
    )

    after_d, _ = compiler.jit(make_discriminator_update(objective=adversarial))(
        after_g, data, fakes
    )
    assert changed(after_g.d_a, after_d.d_a) and changed(after_g.d_b, after_d.d_b)
    assert not changed((after_g.g, after_g.f), (after_d.g, after_d.f))
    assert int(after_d.pool_a.count) == 3  # 4 fakes offered, the pool holds 3

    whole, metrics = compiler.jit(make_cyclegan_step(objective=adversarial))(state, data)
    assert int(whole.step) == 2
    for name in ("g", "f", "d_a", "d_b"):
        assert changed(getattr(state, name).params, getattr(whole, name).params)
    assert all(np.isfinite(float(v)) for v in metrics.values())


@pytest.mark.parametrize("size, downsamplings, layers", [(8, 1, 1), (16, 2, 2), (32, 2, 3)])
def test_networks_keep_the_image_shape_and_score_patches(size, downsamplings, layers):
    g = ResnetGenerator(channels=3, features=4, blocks=2, downsamplings=downsamplings)
    d = PatchDiscriminator(features=4, layers=layers)
    x = jax.random.uniform(jax.random.key(0), (2, size, size, 3), minval=-1)
    y = compiler.jit(lambda x: g.apply(g.init(jax.random.key(1), x), x))(x)
    assert y.shape == x.shape and float(jnp.abs(y).max()) <= 1.0
    scores = compiler.jit(lambda x: d.apply(d.init(jax.random.key(2), x), x))(x)
    assert scores.shape == (2, size // 2**layers - 2, size // 2**layers - 2, 1)


def test_small_images_that_cannot_be_downsampled_are_refused():
    x = jnp.zeros((1, 8, 8, 1))
    with pytest.raises(ValueError, match="fewer downsamplings"):
        ResnetGenerator(channels=1, features=4, blocks=1, downsamplings=3).init(
            jax.random.key(0), x
        )
    with pytest.raises(ValueError, match="fewer layers"):
        PatchDiscriminator(features=4, layers=2).init(jax.random.key(0), x)


def test_reflection_padding_mirrors_without_repeating_the_edge():
    x = jnp.arange(4.0).reshape(1, 1, 4, 1) * jnp.ones((1, 4, 1, 1))
    np.testing.assert_array_equal(reflect(x, 2)[0, 2, :, 0], [2, 1, 0, 1, 2, 3, 2, 1])
