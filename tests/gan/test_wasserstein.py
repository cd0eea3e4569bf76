"""WGAN: the gradient penalty against finite differences, clipping, network isolation."""

import chex
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxgen.core import compiler, scan_steps
from jaxgen.data import get_dataset
from jaxgen.gan import (
    generate,
    init_gan_state,
    make_d_step,
    make_g_step,
    make_gan_step,
    wasserstein,
)
from jaxgen.gan.steps import latent
from jaxgen.metrics.wasserstein import wasserstein_1d
from jaxgen.nn.mlp import MLP
from tests.conftest import as_numbers


def critic(x):
    """A smooth, non-linear critic with known per-example structure."""
    return jnp.sin(x[:, 0]) * x[:, 1] + 0.5 * x[:, 0] ** 2


def test_gradient_penalty_matches_finite_differences():
    key = jax.random.key(0)
    real = jax.random.normal(jax.random.key(1), (6, 2), jnp.float32)
    fake = jax.random.normal(jax.random.key(2), (6, 2), jnp.float32) + 1.0
    x_hat = np.asarray(wasserstein.interpolates(key, real, fake), np.float64)
    h = 1e-5

    def f64(x):
        return np.sin(x[:, 0]) * x[:, 1] + 0.5 * x[:, 0] ** 2

    grads = np.stack(
        [(f64(x_hat + h * e) - f64(x_hat - h * e)) / (2 * h) for e in np.eye(2)], axis=1
    )
    expected = np.mean((np.linalg.norm(grads, axis=1) - 1.0) ** 2)
    got = wasserstein.gradient_penalty(critic, real, fake, key)
    assert float(got) == pytest.approx(expected, rel=1e-4)


def test_interpolates_lie_on_segments_between_real_and_fake():
    real, fake = jnp.zeros((100, 3)), jnp.ones((100, 3))
    x_hat = wasserstein.interpolates(jax.random.key(0), real, fake)
    assert jnp.all((x_hat >= 0) & (x_hat <= 1))
    assert jnp.allclose(x_hat, x_hat[:, :1])  # one ε per example, shared across features


@pytest.fixture
def wgan_state():
    return init_gan_state(
        seed=0,
        generator=MLP(hidden=(16,), out_dim=2),
        discriminator=MLP(hidden=(16,), out_dim=1),
        latent_dim=2,
        data_shape=(2,),
        g_tx=optax.rmsprop(5e-2),
        d_tx=optax.rmsprop(5e-2),
    )


def batch(n=32, lead=()):
    return {"x": np.random.default_rng(0).normal(size=(*lead, n, 2)).astype(np.float32)}


def test_every_critic_weight_is_clipped_after_every_critic_step(wgan_state):
    c = 0.01
    step = compiler.jit(make_d_step(latent_dim=2, objective="wasserstein", clip=c))
    state = wgan_state
    for _ in range(3):
        state, metrics = step(state, batch())
        assert all(float(jnp.abs(w).max()) <= c for w in jax.tree.leaves(state.d.params))
    chex.assert_trees_all_equal(as_numbers(state.g), as_numbers(wgan_state.g))
    assert "gradient_penalty" not in metrics


def test_generator_step_leaves_the_critic_untouched(wgan_state):
    after, _ = compiler.jit(make_g_step(latent_dim=2, objective="wasserstein"))(wgan_state, batch())
    chex.assert_trees_all_equal(as_numbers(after.d), as_numbers(wgan_state.d))


def test_wgan_gp_step_reports_the_penalty_and_counts_updates(wgan_state):
    step = compiler.jit(
        make_gan_step(latent_dim=2, objective="wasserstein", k=5, gradient_penalty=10.0)
    )
    state, metrics = step(wgan_state, batch(lead=(5,)))
    assert int(state.step) == 6
    assert float(metrics["gradient_penalty"]) >= 0
    np.testing.assert_allclose(
        metrics["d_loss"] - 10.0 * metrics["gradient_penalty"],
        metrics["d_fake"] - metrics["d_real"],
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize(
    "g_steps, critic_updates", [(0, 100), (24, 100), (25, 5), (500, 100), (501, 5)]
)
def test_original_wgan_schedule(wgan_state, g_steps, critic_updates):
    from jaxgen.gan.steps import make_scheduled_wgan_step

    step = compiler.jit(make_scheduled_wgan_step(latent_dim=2, n_critic=5, clip=0.01))
    state = wgan_state.replace(g_steps=jnp.int32(g_steps))
    after, metrics = step(state, batch(n=8, lead=(100,)))
    assert int(after.step) == critic_updates + 1
    assert int(after.g_steps) == g_steps + 1
    assert int(metrics["critic_iterations"]) == critic_updates
    assert all(float(jnp.abs(w).max()) <= 0.01 for w in jax.tree.leaves(after.d.params))


def test_gradient_penalty_critic_estimates_w1_between_fixed_distributions():
    """Kantorovich-Rubinstein: a near-optimal 1-Lipschitz critic's mean f(x) − mean f(G(z))
    is W1; against the exact 1-D W1 of a frozen generator's samples."""
    data = get_dataset("bimodal1d", seed=0)
    state = init_gan_state(
        seed=0,
        generator=MLP(hidden=(64, 64), out_dim=1),
        discriminator=MLP(hidden=(64, 64), out_dim=1),
        latent_dim=1,
        data_shape=(1,),
        g_tx=optax.adam(1e-4),
        d_tx=optax.adam(1e-3, 0.0, 0.9),
    )
    fakes = np.asarray(generate(state, latent(jax.random.key(5), 5000, 1)))
    exact = wasserstein_1d(fakes, data.test_set(5000))
    critic_steps = compiler.jit(
        scan_steps(make_d_step(latent_dim=1, objective="wasserstein", gradient_penalty=10.0), 500)
    )
    xs = np.stack([data.get_batch(i, 256)["x"] for i in range(1500)]).reshape(3, 500, 256, 1)
    for chunk in xs:
        state, metrics = critic_steps(state, {"x": chunk})
    estimate = np.mean(metrics["d_real"][-100:] - metrics["d_fake"][-100:])
    assert estimate == pytest.approx(exact, rel=0.15)
