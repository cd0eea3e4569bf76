"""The forward process, its posterior and the schedules, against direct derivations."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.diffusion.forward import (
    PREDICTIONS,
    q_posterior,
    q_sample,
    q_step,
    target,
    to_x0_and_eps,
)
from jaxgen.diffusion.schedules import (
    BETA_SCHEDULES,
    evenly_spaced,
    make_schedule,
    respace,
    schedule_from_betas,
)
from jaxgen.errors import JaxgenError


@pytest.mark.parametrize("name", sorted(BETA_SCHEDULES))
def test_schedules_are_valid_processes(name):
    schedule = make_schedule(name, 1000)
    abar = np.asarray(schedule.alphas_cumprod)
    assert schedule.betas.dtype == np.float32 and schedule.num_steps == 1000
    assert np.all(np.diff(abar) < 0)  # ᾱ strictly decreasing
    assert 0.99 < abar[0] < 1 and abar[-1] < 1e-2  # from almost data to almost noise
    assert np.all(np.asarray(schedule.betas) <= 0.999)
    np.testing.assert_allclose(schedule.alphas_cumprod_prev[1:], abar[:-1])


def test_linear_and_cosine_schedules_match_their_papers():
    linear = make_schedule("linear", 1000)
    np.testing.assert_allclose([linear.betas[0], linear.betas[-1]], [1e-4, 0.02], rtol=1e-6)
    cosine = make_schedule("cosine", 1000)
    t = np.arange(1, 1001) / 1000
    f = np.cos((t + 0.008) / 1.008 * np.pi / 2) ** 2 / np.cos(0.008 / 1.008 * np.pi / 2) ** 2
    # Nichol & Dhariwal eq. 17, before the β clip bites in the last few steps
    np.testing.assert_allclose(cosine.alphas_cumprod[:990], f[:990], rtol=1e-5, atol=1e-7)


def test_unknown_schedule_and_bad_betas_are_refused():
    with pytest.raises(JaxgenError, match="unknown noise `schedule` 'cosin'"):
        make_schedule("cosin")
    with pytest.raises(JaxgenError, match="every β in"):
        schedule_from_betas(np.array([0.1, 1.0]))


def test_closed_form_moments_equal_the_recursion_of_the_one_step_process():
    """m_t = √α_t m_{t−1}, v_t = α_t v_{t−1} + β_t from (m, v) = (x_0, 0), in float64."""
    schedule = make_schedule("cosine", 200)
    betas = np.asarray(schedule.betas, np.float64)
    x0 = np.array([1.5, -0.5], np.float32)
    m, v = x0.astype(np.float64), 0.0
    for t, beta in enumerate(betas):
        m, v = np.sqrt(1 - beta) * m, (1 - beta) * v + beta
        if t in (0, 57, 120, 199):
            steps = jnp.full((1,), t)
            mean = q_sample(schedule, x0[None], steps, jnp.zeros((1, 2)))[0]
            std = q_sample(schedule, jnp.zeros((1, 2)), steps, jnp.ones((1, 2)))[0]
            np.testing.assert_allclose(mean, m, rtol=2e-5)
            np.testing.assert_allclose(std**2, v, rtol=2e-5)


def test_first_step_variance_floors():
    """β̃_1 = 0, so both reverse log-variance tables use β̃ of the second step at the first."""
    schedule = make_schedule("linear", 100)
    tilde = np.asarray(schedule.posterior_variance, np.float64)
    betas = np.asarray(schedule.betas, np.float64)
    assert tilde[0] == 0
    np.testing.assert_allclose(
        schedule.posterior_log_variance_clipped[0], np.log(tilde[1]), rtol=1e-6
    )
    np.testing.assert_allclose(
        schedule.posterior_log_variance_clipped[1:], np.log(tilde[1:]), rtol=1e-5
    )
    np.testing.assert_allclose(schedule.log_variance_large[0], np.log(tilde[1]), rtol=1e-6)
    np.testing.assert_allclose(schedule.log_variance_large[1:], np.log(betas[1:]), rtol=1e-5)


def test_q_sample_matches_iterating_the_one_step_process():
    schedule = make_schedule("linear", 200)
    x0 = jnp.array([1.5, -0.5])
    n, t_end = 40000, 120
    x = jnp.broadcast_to(x0, (n, 2))
    key = jax.random.key(0)
    for t in range(t_end + 1):
        noise = jax.random.normal(jax.random.fold_in(key, t), x.shape)
        x = q_step(schedule, x, jnp.full((n,), t), noise)
    abar = float(schedule.alphas_cumprod[t_end])
    np.testing.assert_allclose(x.mean(0), np.sqrt(abar) * x0, atol=0.02)
    np.testing.assert_allclose(x.var(0), 1 - abar, atol=0.02)
    # and q_sample's own draws have the same two moments
    direct = q_sample(
        schedule,
        jnp.broadcast_to(x0, (n, 2)),
        jnp.full((n,), t_end),
        jax.random.normal(jax.random.key(1), (n, 2)),
    )
    np.testing.assert_allclose(direct.mean(0), x.mean(0), atol=0.03)
    np.testing.assert_allclose(direct.var(0), x.var(0), atol=0.03)


def test_posterior_is_bayes_rule_of_the_two_gaussians():
    """q(x_{t−1} | x_t, x_0) ∝ N(x_t; √α_t x_{t−1}, β_t) · N(x_{t−1}; √ᾱ_{t−1} x_0, 1 − ᾱ_{t−1})."""
    schedule = make_schedule("cosine", 100)
    t = jnp.array([1, 10, 50, 99])
    x0 = jnp.array([[0.3], [-1.0], [0.8], [0.0]])
    xt = jnp.array([[0.1], [0.5], [-2.0], [1.2]])
    alpha = np.asarray(schedule.alphas, np.float64)[t][:, None]
    beta = 1 - alpha
    abar_prev = np.asarray(schedule.alphas_cumprod_prev, np.float64)[t][:, None]
    precision = alpha / beta + 1 / (1 - abar_prev)
    mean = (np.sqrt(alpha) * xt / beta + np.sqrt(abar_prev) * x0 / (1 - abar_prev)) / precision
    got_mean, got_var, _ = q_posterior(schedule, x0, xt, t)
    np.testing.assert_allclose(got_mean, mean, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(got_var, 1 / precision, rtol=1e-4)


@pytest.mark.parametrize("prediction", PREDICTIONS)
def test_each_prediction_target_converts_back_to_x0_and_noise(prediction):
    schedule = make_schedule("linear", 1000)
    keys = jax.random.split(jax.random.key(2), 2)
    x0, noise = (jax.random.normal(k, (5, 3)) for k in keys)
    t = jnp.array([0, 10, 300, 700, 999])
    xt = q_sample(schedule, x0, t, noise)
    if prediction == "v":  # Salimans & Ho §4: v = √ᾱ ε − √(1 − ᾱ) x_0
        abar = np.asarray(schedule.alphas_cumprod, np.float64)[t][:, None]
        v = np.sqrt(abar) * noise - np.sqrt(1 - abar) * x0
        np.testing.assert_allclose(target("v", x0, noise, schedule, t), v, atol=1e-5)
    x0_hat, eps_hat = to_x0_and_eps(
        prediction, target(prediction, x0, noise, schedule, t), xt, schedule, t
    )
    np.testing.assert_allclose(x0_hat, x0, atol=2e-3)
    np.testing.assert_allclose(eps_hat, noise, atol=2e-3)


def test_respacing_keeps_the_cumulative_products_at_the_kept_steps():
    schedule = make_schedule("linear", 1000)
    keep = evenly_spaced(1000, 50)
    short = respace(schedule, keep)
    assert short.num_steps == 50 and keep[0] == 0 and keep[-1] == 999
    np.testing.assert_allclose(short.alphas_cumprod, schedule.alphas_cumprod[keep], rtol=1e-5)
    np.testing.assert_array_equal(short.timesteps, keep)
    with pytest.raises(JaxgenError, match="increasing"):
        respace(schedule, np.array([5, 3]))
