"""GAN objectives against their formulas; DCGAN steps keep each network's state to itself."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen.core import compiler
from jaxgen.gan import init_gan_state, losses, make_d_step, make_g_step
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from tests.conftest import as_numbers

LOGITS = jnp.array([-3.0, -0.5, 0.0, 0.7, 2.5])


def test_cross_entropy_losses_match_their_formulas():
    d = jax.nn.sigmoid(LOGITS)
    np.testing.assert_allclose(losses.log_d(LOGITS), jnp.log(d), rtol=1e-6)
    np.testing.assert_allclose(losses.log_one_minus_d(LOGITS), jnp.log(1 - d), rtol=1e-5)
    real, fake = LOGITS, LOGITS[::-1]
    v = jnp.mean(jnp.log(jax.nn.sigmoid(real))) + jnp.mean(jnp.log(1 - jax.nn.sigmoid(fake)))
    np.testing.assert_allclose(losses.discriminator_loss(real, fake), -v, rtol=1e-6)
    np.testing.assert_allclose(
        losses.non_saturating_generator_loss(fake),
        -jnp.mean(jnp.log(jax.nn.sigmoid(fake))),
        rtol=1e-6,
    )


def test_losses_stay_finite_where_the_naive_forms_overflow():
    extreme = jnp.array([-200.0, 200.0])
    for objective in losses.OBJECTIVES.values():
        assert jnp.isfinite(objective.discriminator(extreme, extreme))
        assert jnp.isfinite(objective.generator(extreme))
        assert jnp.all(jnp.isfinite(jax.grad(lambda x, o=objective: o.generator(x))(extreme)))


def test_least_squares_and_hinge_values():
    real, fake = jnp.array([1.0, 0.5]), jnp.array([0.0, -2.0])
    assert losses.least_squares_discriminator_loss(real, fake) == pytest.approx(
        0.5 * 0.125 + 0.5 * 2.0
    )
    assert losses.least_squares_generator_loss(fake) == pytest.approx(0.5 * (1 + 9) / 2)
    assert losses.hinge_discriminator_loss(real, fake) == pytest.approx(0.25 + 0.5)
    assert losses.hinge_generator_loss(fake) == pytest.approx(1.0)


def test_minimax_gradient_saturates_and_non_saturating_does_not():
    rejected = jnp.array([-10.0])  # D(G(z)) ≈ 4.5e-5
    g_minimax = jax.grad(losses.minimax_generator_loss)(rejected)
    g_ns = jax.grad(losses.non_saturating_generator_loss)(rejected)
    assert abs(float(g_minimax[0])) < 1e-4 < 0.99 < abs(float(g_ns[0]))


@pytest.fixture
def dcgan_state():
    return compiler.jit(
        lambda: init_gan_state(
            seed=0,
            generator=DCGANGenerator(image_size=8, channels=1, features=8, base_size=2),
            discriminator=DCGANDiscriminator(image_size=8, features=8, base_size=2),
            latent_dim=4,
            data_shape=(8, 8, 1),
            g_tx=optax.adam(2e-4, 0.5),
            d_tx=optax.adam(2e-4, 0.5),
        )
    )()


def test_dcgan_steps_touch_only_their_own_network(dcgan_state):
    batch = {"x": jax.random.uniform(jax.random.key(3), (16, 8, 8, 1), minval=-1, maxval=1)}
    after_d, _ = compiler.jit(make_d_step(latent_dim=4))(dcgan_state, batch)
    chex.assert_trees_all_equal(as_numbers(after_d.g), as_numbers(dcgan_state.g))
    assert not np.allclose(
        jax.tree.leaves(after_d.d.collections)[0], jax.tree.leaves(dcgan_state.d.collections)[0]
    )  # D's BatchNorm statistics moved
    after_g, _ = compiler.jit(make_g_step(latent_dim=4))(dcgan_state, batch)
    chex.assert_trees_all_equal(as_numbers(after_g.d), as_numbers(dcgan_state.d))
    assert not np.allclose(
        jax.tree.leaves(after_g.g.collections)[0], jax.tree.leaves(dcgan_state.g.collections)[0]
    )


def test_unknown_objective_is_refused():
    with pytest.raises(ValueError, match="unknown GAN `objective` .earth_mover."):
        make_d_step(latent_dim=2, objective="earth_mover")
