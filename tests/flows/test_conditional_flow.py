"""Glow's class-conditional prior: p(x | y) is the flow's density with the top level's
N(0, I) replaced by N(μ_y, σ_y²), samples carry their class's top-level moments, and the
conditional step trains only the rows of the classes it sees."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
from scipy.stats import norm

from jaxgen.flows import (
    ClassConditionalPrior,
    conditional_log_prob,
    conditional_sample,
    glow,
    init_flow_state,
    log_prob,
    make_flow_step,
)
from jaxgen.flows.conditional import top_level_size

SHAPE = (8, 8, 1)


def flow_and_prior():
    flow = glow(image_shape=SHAPE, levels=2, steps=1, width=8)
    return flow, ClassConditionalPrior(num_classes=3, top_dims=top_level_size(flow, SHAPE))


def params_with_a_prior(flow, prior):
    x = jax.random.uniform(jax.random.key(0), (16, *SHAPE), minval=-0.5, maxval=0.5)
    keys = jax.random.split(jax.random.key(1), 2)
    return {
        "flow": jax.jit(flow.init)(jax.random.key(2), x),
        "prior": {
            "mean": jax.random.normal(keys[0], (3, prior.top_dims)),
            "log_scale": 0.3 * jax.random.normal(keys[1], (3, prior.top_dims)),
        },
    }, x


def test_the_top_level_is_the_last_levels_output():
    flow, prior = flow_and_prior()
    assert prior.top_dims == 2 * 2 * 8  # 8x8x1 → 4x4x4 (half factored out) → 2x2x8


def test_the_conditional_density_swaps_the_top_levels_base_for_the_class_gaussian():
    flow, prior = flow_and_prior()
    params, x = params_with_a_prior(flow, prior)
    labels = jnp.arange(16) % 3
    z, _ = jax.jit(flow.forward_and_log_det)(params["flow"], x)
    top = np.asarray(z[:, -prior.top_dims :], np.float64)
    mean = np.asarray(params["prior"]["mean"])[labels]
    scale = np.exp(np.asarray(params["prior"]["log_scale"]))[labels]
    difference = norm.logpdf(top, mean, scale).sum(1) - norm.logpdf(top).sum(1)
    both = jax.jit(
        lambda p: conditional_log_prob(flow, prior, p, x, labels) - log_prob(flow, p["flow"], x)
    )
    got = both(params)
    np.testing.assert_allclose(got, difference, rtol=1e-4, atol=1e-3)


def test_samples_carry_their_classes_top_level_moments():
    flow, prior = flow_and_prior()
    params, _ = params_with_a_prior(flow, prior)
    labels = jnp.arange(6000) % 3
    dim = int(np.prod(SHAPE))
    x = conditional_sample(flow, prior, params, jax.random.key(3), labels, dim, temperature=0.7)
    z, _ = flow.forward_and_log_det(params["flow"], x)
    top = np.asarray(z[:, -prior.top_dims :])
    for c in range(3):
        mine = top[np.asarray(labels) == c]
        np.testing.assert_allclose(mine.mean(0), params["prior"]["mean"][c], atol=0.1)
        expected = 0.7 * np.exp(np.asarray(params["prior"]["log_scale"][c]))
        np.testing.assert_allclose(mine.std(0), expected, rtol=0.1)


def test_the_conditional_step_moves_only_the_prior_rows_of_the_classes_it_sees():
    flow, prior = flow_and_prior()
    x = jax.random.uniform(jax.random.key(4), (8, *SHAPE), minval=-1, maxval=1)
    tx = optax.adam(1e-2)
    state = jax.jit(lambda: init_flow_state(flow=flow, seed=0, example=x, tx=tx, prior=prior))()
    step = jax.jit(make_flow_step(flow=flow, levels=17, prior=prior))
    after, metrics = step(state, {"x": x, "label": jnp.zeros(8, jnp.int32)})
    moved = np.any(after.params["prior"]["mean"] != state.params["prior"]["mean"], axis=1)
    assert moved.tolist() == [True, False, False]
    assert np.isfinite(metrics["bits_per_dim"])
