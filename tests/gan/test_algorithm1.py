"""Goodfellow et al. 2014, Algorithm 1 with momentum SGD: the GAN family's step built from
``gan/algorithm1`` takes the updates the paper writes, computed here by hand."""

import jax
import jax.numpy as jnp
import numpy as np

from experiments.configs.gan.algorithm1 import get_config
from experiments.train import build_experiment, train_and_evaluate
from jaxgen.core import compiler
from tests.conftest import initial_state

K, ITERATIONS, M = 2, 3, 16


def tiny_config():
    """``gan/algorithm1`` with one hidden layer of 8 units, k = 2 and distinct step sizes."""
    config = get_config()
    config.model.update(g_hidden=(8,), d_hidden=(8,), k=K)
    config.optim.update(g_lr=0.05, d_lr=0.1)
    return config


def mlp(params, x):
    """x → [relu(x W_l + b_l)]* → x W_L + b_L over the layers ``Dense_0`` … ``Dense_L``."""
    layers = [params[f"Dense_{i}"] for i in range(len(params))]
    for layer in layers[:-1]:
        x = jax.nn.relu(x @ layer["kernel"] + layer["bias"][None])
    return x @ layers[-1]["kernel"] + layers[-1]["bias"][None]


def value(d, g, x, z):
    """V = (1/m) Σ [log D(x_i) + log(1 − D(G(z_i)))], D = σ(logit)."""
    real, fake = jax.nn.sigmoid(mlp(d, x)), jax.nn.sigmoid(mlp(d, mlp(g, z)))
    return jnp.mean(jnp.log(real) + jnp.log(1 - fake))


def generator_loss(g, d, z):
    """(1/m) Σ log(1 − D(G(z_i)))."""
    return jnp.mean(jnp.log(1 - jax.nn.sigmoid(mlp(d, mlp(g, z)))))


ascent_direction = jax.jit(jax.grad(value))  # ∇_d V
descent_direction = jax.jit(jax.grad(generator_loss))  # ∇_g (1/m) Σ log(1 − D(G(z_i)))


def heavy_ball(params, velocity, gradient, eta, mu, sign):
    """v ← μv + g, θ ← θ + sign · ηv (sign +1 ascends, −1 descends)."""
    velocity = jax.tree.map(lambda v, g: mu * v + g, velocity, gradient)
    params = jax.tree.map(lambda p, v: p + sign * eta * v, params, velocity)
    return params, velocity


def algorithm1(g, d, key, batches, config):
    """Algorithm 1 of the paper with heavy-ball momentum; update t (of either network) draws
    its noise z ~ N(0, I) from ``fold_in(key, t)``, jaxgen's convention."""
    eta_g, eta_d, mu = config.optim.g_lr, config.optim.d_lr, config.optim.momentum
    v_g, v_d = jax.tree.map(jnp.zeros_like, g), jax.tree.map(jnp.zeros_like, d)
    shape = (M, config.model.latent_dim)
    noise = lambda t: jax.random.normal(jax.random.fold_in(key, t), shape)  # noqa: E731
    t = 0
    for minibatches in batches:
        for x in minibatches:  # k steps: D ascends ∇_d V on fresh data and noise
            gradient = ascent_direction(d, g, x, noise(t))
            d, v_d = heavy_ball(d, v_d, gradient, eta_d, mu, +1)
            t += 1
        gradient = descent_direction(g, d, noise(t))  # then G descends
        g, v_g = heavy_ball(g, v_g, gradient, eta_g, mu, -1)
        t += 1
    return g, d


def test_the_momentum_gan_step_takes_algorithm_1s_updates():
    config = tiny_config()
    task = build_experiment(config).task
    assert task.sub_batches == K
    state = initial_state(task)
    start = state
    shape = (ITERATIONS, K, M, *task.input_shape)
    batches = np.random.default_rng(0).normal(size=shape).astype(np.float32) * 2
    step = compiler.jit(task.step)
    for minibatches in batches:
        state, _ = step(state, {"x": minibatches})
    g, d = algorithm1(start.g.params, start.d.params, start.key, batches, config)
    assert int(state.step) == ITERATIONS * (K + 1)
    for net, by_hand in (("g", g), ("d", d)):
        ours, before = getattr(state, net).params, getattr(start, net).params
        for leaf, expected, initial in zip(
            *(jax.tree.leaves(tree) for tree in (ours, by_hand, before)), strict=True
        ):
            np.testing.assert_allclose(leaf, expected, atol=1e-6, rtol=0)
            assert np.abs(np.asarray(leaf) - np.asarray(initial)).max() > 1e-4  # it moved


def test_the_algorithm_1_config_finds_both_modes_of_bimodal1d(tmp_path):
    config = get_config()
    config.train.update(num_steps=2500, eval_every=0, checkpoint_every=2500, progress=False)
    results = train_and_evaluate(config, tmp_path)
    assert results["modes_captured"] == results["num_modes"] == 2
    assert results["high_quality_fraction"] > 0.75
