"""Samplers and the variational bound with an oracle denoiser: for Gaussian data
x_0 ~ N(μ, Σ) the exact E[ε | x_t] is known, so sampling must recover μ and Σ."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import norm

from jaxgen.core import compiler
from jaxgen.diffusion.bound import (
    discretized_gaussian_log_likelihood,
    normal_kl,
    prior_term,
    variational_bound,
)
from jaxgen.diffusion.samplers import (
    ReverseProcess,
    ancestral_step,
    ddim_step,
    run_reverse,
    sample,
)
from jaxgen.diffusion.schedules import evenly_spaced, make_schedule, respace

UNCLIPPED = ReverseProcess(clip=None)
MEAN = np.array([1.0, -0.5])
COVARIANCE = np.array([[0.5, 0.3], [0.3, 0.4]])


def oracle(schedule_full):
    """E[ε | x_t] = √(1 − ᾱ) C_t⁻¹ (x_t − √ᾱ μ), C_t = ᾱ Σ + (1 − ᾱ) I; ``t`` is the network's
    time input, an index into the full schedule."""
    abar_table = jnp.asarray(schedule_full.alphas_cumprod)

    def net(xt, t):
        abar = abar_table[t][:, None, None]
        cov = abar * COVARIANCE[None] + (1 - abar) * jnp.eye(2)[None]
        centred = xt - jnp.sqrt(abar[:, :, 0]) * MEAN[None]
        return jnp.sqrt(1 - abar[:, :, 0]) * jnp.linalg.solve(cov, centred[..., None])[..., 0]

    return net


def moments(x):
    return np.asarray(x).mean(0), np.cov(np.asarray(x).T)


@pytest.mark.parametrize(
    "sampler",
    ["ancestral-large", "ancestral-small", "ddim-50", "ddim-200"],
)
def test_samplers_with_the_exact_noise_recover_gaussian_data(sampler):
    full = make_schedule("linear", 1000)
    net = oracle(full)
    if sampler.startswith("ancestral"):
        schedule = full
        step = ancestral_step(
            schedule=schedule,
            net=net,
            reverse=ReverseProcess(variance=sampler.split("-")[1], clip=None),
        )
    else:
        schedule = respace(full, evenly_spaced(1000, int(sampler.split("-")[-1])))
        step = ddim_step(schedule=schedule, net=net, reverse=UNCLIPPED, eta=0.0)
    x = compiler.jit(lambda key: sample(step, schedule.num_steps, key, (20000, 2)))(
        jax.random.key(0)
    )
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, MEAN, atol=0.03)
    np.testing.assert_allclose(cov, COVARIANCE, atol=0.04)


def test_ddim_with_eta_1_is_the_ancestral_sampler_with_the_posterior_variance():
    """σ_t² = (1 − ᾱ_{t−1})/(1 − ᾱ_t) · (1 − ᾱ_t/ᾱ_{t−1}) = β̃_t (Song et al. §4.1)."""
    full = make_schedule("linear", 1000)
    net = oracle(full)
    x_T = jax.random.normal(jax.random.key(4), (256, 2))
    ddim = run_reverse(
        ddim_step(schedule=full, net=net, reverse=UNCLIPPED, eta=1.0), 1000, x_T, jax.random.key(5)
    )
    ancestral = ancestral_step(
        schedule=full, net=net, reverse=ReverseProcess(variance="small", clip=None)
    )
    np.testing.assert_allclose(
        ddim, run_reverse(ancestral, 1000, x_T, jax.random.key(5)), atol=1e-4
    )


def test_samplers_are_deterministic_and_ddim_eta0_ignores_the_key():
    full = make_schedule("cosine", 100)
    net = oracle(full)
    x_T = jax.random.normal(jax.random.key(3), (64, 2))
    ddim = ddim_step(schedule=full, net=net, reverse=UNCLIPPED, eta=0.0)
    a = run_reverse(ddim, 100, x_T, jax.random.key(1))
    b = run_reverse(ddim, 100, x_T, jax.random.key(2))
    np.testing.assert_array_equal(a, b)
    ancestral = ancestral_step(schedule=full, net=net, reverse=UNCLIPPED)
    c = run_reverse(ancestral, 100, x_T, jax.random.key(1))
    np.testing.assert_array_equal(c, run_reverse(ancestral, 100, x_T, jax.random.key(1)))
    assert not np.allclose(c, run_reverse(ancestral, 100, x_T, jax.random.key(2)))
    x0, trajectory = run_reverse(ancestral, 100, x_T, jax.random.key(1), record=True)
    assert trajectory.shape == (100, 64, 2)
    np.testing.assert_array_equal(trajectory[-1], x0)


def test_the_discretized_decoder_is_a_distribution_over_the_bins():
    levels = 17
    grid = jnp.linspace(-1, 1, levels)
    for mean, log_var in [(0.0, -2.0), (0.9, -6.0), (-1.3, 0.5), (0.37, -12.0)]:
        probs = jnp.exp(discretized_gaussian_log_likelihood(grid, mean, log_var, levels))
        np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)


def test_normal_kl_against_monte_carlo_and_the_prior_term():
    m1, v1, m2, v2 = 0.3, 0.5, -0.2, 1.7
    x = m1 + np.sqrt(v1) * np.random.default_rng(0).standard_normal(400000)
    log_ratio = -0.5 * ((x - m1) ** 2 / v1 + np.log(v1)) + 0.5 * ((x - m2) ** 2 / v2 + np.log(v2))
    np.testing.assert_allclose(
        normal_kl(m1, np.log(v1), m2, np.log(v2)), log_ratio.mean(), rtol=1e-2
    )
    schedule = make_schedule("linear", 1000)
    abar = float(schedule.alphas_cumprod[-1])
    # KL(N(√ᾱ x, 1 − ᾱ) ‖ N(0, 1)) = ½(−log(1 − ᾱ) − ᾱ + ᾱ x²) per dimension, here x = 2
    exact = 64 * 0.5 * (-np.log1p(-abar) - abar + 4 * abar)
    np.testing.assert_allclose(prior_term(schedule, 2 * jnp.ones((1, 64)))[0], exact, rtol=1e-3)


def test_bound_with_a_perfect_x0_predictor_is_the_decoder_alone():
    """If x̂_0 = x_0 and σ_t² = β̃_t, p_θ(x_{t−1} | x_t) is the true posterior: every KL term is
    0, and the decoder is N(x_0, β̃_2) (μ̃_1 = x_0 at the first step) integrated over x_0's bin."""
    schedule = make_schedule("linear", 50)
    levels, dim = 17, 6
    x0 = jnp.array([[-0.875, -0.25, 0.0, 0.125, 0.5, 0.875]] * 4)
    abar = schedule.alphas_cumprod

    def perfect(xt, t):  # the ε that makes x̂_0 = x_0
        return (xt - jnp.sqrt(abar[t])[:, None] * x0) / jnp.sqrt(1 - abar[t])[:, None]

    small = ReverseProcess(variance="small", clip=None)
    terms = variational_bound(
        schedule, perfect, x0, jax.random.key(0), levels=levels, reverse=small
    )
    np.testing.assert_allclose(terms.steps[1:], 0.0, atol=1e-3)
    sigma = np.sqrt(float(schedule.posterior_variance[1]))
    half_bin = 1 / (levels - 1)
    decoder = -dim * np.log(norm.cdf(half_bin / sigma) - norm.cdf(-half_bin / sigma))
    np.testing.assert_allclose(terms.steps[0], decoder, rtol=1e-4, atol=1e-6)


def test_bound_terms_are_non_negative_and_sum_to_the_total():
    schedule = make_schedule("linear", 50)
    x0 = jnp.round(jax.random.uniform(jax.random.key(0), (8, 6), minval=-1, maxval=1) * 8) / 8
    weights = jax.random.normal(jax.random.key(1), (6, 6)) * 0.1

    def net(xt, t):  # an arbitrary smooth "network"
        return jnp.tanh(xt @ weights) * (t[:, None] / 50.0)

    terms = variational_bound(schedule, net, x0, jax.random.key(2), levels=17)
    assert terms.steps.shape == (50, 8) and terms.prior.shape == (8,)
    assert np.all(np.asarray(terms.steps) >= -1e-5) and np.all(np.asarray(terms.prior) >= 0)
    np.testing.assert_allclose(terms.total, terms.prior + terms.steps.sum(0), rtol=1e-6)
