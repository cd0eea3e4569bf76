"""Flow matching against known answers: for Gaussian data N(μ, diag s²) and the path
x_t = (1 − t)x0 + t·x1, the marginal velocity is affine,

    v*(x, t) = μ + k_t·(x − tμ),   k_t = (t·s² − (1 − t))/σ_t²,   σ_t² = (1 − t)² + t²s²,

and its flow maps x0 to tμ + σ_t·x0, so N(0, I) to N(μ, diag s²) at t = 1."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
from jax.experimental import io_callback
from scipy.stats import multivariate_normal

from jaxgen.errors import JaxgenError
from jaxgen.flow_matching import ODESolver, OTPath, check_finished, flow, integrate, ode_log_prob
from jaxgen.flow_matching.losses import flow_matching_loss

MU = jnp.array([[1.5, -0.5]])  # (1, 2): broadcasts over a batch
S = jnp.array([[0.5, 2.0]])


def optimal_velocity(x, t):
    t = jnp.reshape(jnp.asarray(t, jnp.float32), (-1, 1))
    variance = (1 - t) ** 2 + t**2 * S**2
    return MU + (t * S**2 - (1 - t)) / variance * (x - t * MU)


@pytest.mark.parametrize("sigma_min", [0.0, 0.1])
def test_the_paths_regression_is_the_closed_form_velocity(sigma_min):
    """Least squares of the target u_t on (x_t, 1) over path samples at fixed t recovers
    v*'s slope and intercept, Cov(u_t, x_t)/Var(x_t) and μ − slope·tμ, with
    Var(x_t) = (1 − (1 − σ_min)t)² + t²s² and Cov = t·s² − (1 − σ_min)(1 − (1 − σ_min)t):
    the path and its target are right."""
    path = OTPath(sigma_min=sigma_min)
    k0, k1 = jax.random.split(jax.random.key(0))
    x0 = jax.random.normal(k0, (200_000, 2))
    x1 = MU + S * jax.random.normal(k1, (200_000, 2))
    for t in (0.2, 0.7):
        xt = np.asarray(path.interpolate(x0, x1, jnp.full((len(x0),), t)))
        u = np.asarray(path.target(x0, x1))
        mu, s = np.asarray(MU[0]), np.asarray(S[0])
        shrink = 1 - sigma_min
        slope = (t * s**2 - shrink * (1 - shrink * t)) / ((1 - shrink * t) ** 2 + t**2 * s**2)
        for d in range(2):
            fit = np.linalg.lstsq(np.stack([xt[:, d], np.ones(len(xt))], 1), u[:, d])[0]
            # standard errors up to 0.006 (Var(u | x_t) up to 5 over 200k samples): 5 of them
            np.testing.assert_allclose(fit, [slope[d], mu[d] - slope[d] * t * mu[d]], atol=0.03)


def test_the_closed_form_velocity_minimises_the_loss():
    """With common random numbers, every affine perturbation of v* raises the loss."""
    x1 = MU + S * jax.random.normal(jax.random.key(1), (50_000, 2))
    key = jax.random.key(2)

    def loss(field):
        return float(jnp.mean(flow_matching_loss(OTPath(), field, x1, key)))

    best = loss(optimal_velocity)
    for scale, shift in [(1.05, 0.0), (0.95, 0.0), (1.0, 0.05), (1.0, -0.05)]:
        assert loss(lambda x, t, a=scale, b=shift: a * optimal_velocity(x, t) + b) > best


def test_the_flow_of_the_closed_form_velocity_carries_noise_onto_the_data():
    x0 = jax.random.normal(jax.random.key(3), (512, 2))
    exact = MU + S * x0
    adaptive = flow(optimal_velocity, x0, ODESolver(name="dopri5", rtol=1e-6, atol=1e-6))
    np.testing.assert_allclose(adaptive.y, exact, atol=2e-4)
    errors = {
        (name, n): float(
            jnp.max(jnp.abs(flow(optimal_velocity, x0, ODESolver(name=name, steps=n)).y - exact))
        )
        for name in ("euler", "heun")
        for n in (20, 40)
    }
    # the error falls with the step count at each solver's order: 2x for Euler, 4x for Heun
    assert 1.7 < errors["euler", 20] / errors["euler", 40] < 2.3
    assert 3.4 < errors["heun", 20] / errors["heun", 40] < 4.6


def test_the_ode_likelihood_of_a_linear_flow_is_the_exact_density():
    """v(x) = Ax + b carries N(0, I) to N(A⁻¹(e^A − I)b, e^A e^Aᵀ); a time-varying field
    (v*) gives N(μ, diag s²)."""
    a = np.array([[0.3, -0.8], [0.5, -0.2]], np.float32)
    b = np.array([0.4, -1.0], np.float32)
    expm = scipy.linalg.expm(a.astype(np.float64))
    mean = np.linalg.solve(a, (expm - np.eye(2)) @ b)
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32) * 1.5

    def linear(x, t):
        return x @ a.T + b[None]

    solver = ODESolver(name="dopri5", rtol=1e-7, atol=1e-7)
    log_p, solve = ode_log_prob(linear, jnp.asarray(x), solver)
    assert bool(solve.finished)
    np.testing.assert_allclose(log_p, multivariate_normal(mean, expm @ expm.T).logpdf(x), atol=1e-4)
    log_p, _ = ode_log_prob(optimal_velocity, jnp.asarray(x), solver)
    reference = multivariate_normal(np.asarray(MU[0]), np.diag(np.asarray(S[0]) ** 2)).logpdf(x)
    np.testing.assert_allclose(log_p, reference, atol=1e-3)


@pytest.mark.parametrize("probe", ["rademacher", "gaussian"])
def test_hutchinsons_estimate_is_unbiased(probe):
    """Many probes of one point: the estimates' mean is the exact log-density within three
    standard errors, and they do vary (the test could fail)."""
    a = jnp.asarray(np.random.default_rng(1).normal(size=(4, 4)) * 0.5, jnp.float32)
    x = jnp.tile(jnp.array([[0.3, -1.0, 0.5, 2.0]]), (4000, 1))

    def linear(x, t):
        return x @ a.T

    solver = ODESolver(name="heun", steps=8)
    exact, _ = ode_log_prob(linear, x[:1], solver)
    estimates, _ = ode_log_prob(
        linear, x, solver, trace="hutchinson", key=jax.random.key(4), probe=probe
    )
    error = float(jnp.std(estimates)) / np.sqrt(len(estimates))
    assert error > 1e-3
    assert abs(float(jnp.mean(estimates)) - float(exact[0])) < 3 * error


def test_the_reported_nfe_counts_every_evaluation():
    """An io_callback counts the evaluations diffrax really makes."""
    calls = [0]

    def count():
        calls[0] += 1
        return np.int32(0)

    def field(t, x):
        io_callback(count, jax.ShapeDtypeStruct((), jnp.int32), ordered=True)
        return -x * jnp.cos(3 * t)

    for solver in [
        ODESolver(name="euler", steps=7),
        ODESolver(name="heun", steps=5),
        ODESolver(name="dopri5", rtol=1e-3, atol=1e-3),
        ODESolver(name="dopri5", rtol=1e-8, atol=1e-8),
    ]:
        calls[0] = 0
        solve = integrate(field, jnp.ones(3), solver)
        jax.block_until_ready(solve.y)
        assert int(solve.nfe) == calls[0], solver


def test_an_exhausted_step_budget_is_an_error():
    solver = ODESolver(name="dopri5", rtol=1e-9, atol=1e-9, max_steps=3)
    solve = flow(optimal_velocity, jnp.ones((4, 2)), solver)
    assert not bool(solve.finished)
    with pytest.raises(JaxgenError, match="within 3 steps; loosen `rtol` and `atol`"):
        check_finished(solve, solver)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"name": "rk4"}, "unknown ODE `solver` 'rk4'"),
        ({"name": "euler", "steps": 0}, "needs a positive number of `steps`"),
        ({"name": "dopri5", "rtol": 0.0}, "`rtol` > 0"),
    ],
)
def test_bad_solver_settings_are_refused(settings, message):
    with pytest.raises(JaxgenError, match=message):
        ODESolver(**settings)
