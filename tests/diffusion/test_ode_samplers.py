"""Probability-flow ODE samplers against exact answers: for Gaussian data the exact ε is
known and so is the ODE's solution (a linear map of x_T), so DPM-Solver++(2M)'s error must
fall at second order and DDIM's at first, and EDM's Heun sampler must carry N(0, I) onto the
data's Gaussian."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.configs.diffusion.digits import get_config
from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.diffusion import ReverseProcess, ddim_step, make_schedule, respace, run_reverse
from jaxgen.diffusion.ode_samplers import dpm_solver_pp_2m, heun, karras_sigmas, logsnr_spaced
from jaxgen.errors import JaxgenError
from tests.diffusion.test_samplers_and_bound import COVARIANCE, MEAN, moments, oracle

UNCLIPPED = ReverseProcess(clip=None)
MU, STD = 1.0, 0.5
FULL = make_schedule("linear", 1000)


def exact_eps(xt, t):
    """E[ε | x_t] for x_0 ~ N(μ, s²) per dimension."""
    abar = jnp.asarray(FULL.alphas_cumprod)[t][:, None]
    return jnp.sqrt(1 - abar) * (xt - jnp.sqrt(abar) * MU) / (abar * STD**2 + 1 - abar)


def exact_solution(x_T):
    """The ODE's x_0 from x_T: it keeps the standardised value, x_0 = μ + s·z."""
    abar = FULL.alphas_cumprod[-1]
    return MU + STD * (x_T - jnp.sqrt(abar) * MU) / jnp.sqrt(abar * STD**2 + 1 - abar)


def errors(steps):
    """Mean |x_0 − exact| of DPM-Solver++(2M) and of DDIM on ``steps`` log-SNR-spaced steps."""
    x_T = jax.random.normal(jax.random.key(0), (2000, 1))
    grid = respace(FULL, logsnr_spaced(FULL, steps))
    dpm = dpm_solver_pp_2m(schedule=grid, net=exact_eps, x_T=x_T, reverse=UNCLIPPED)
    step = ddim_step(schedule=grid, net=exact_eps, reverse=UNCLIPPED)
    ddim = run_reverse(step, grid.num_steps, x_T, jax.random.key(1))
    exact = exact_solution(x_T)
    return float(jnp.mean(jnp.abs(dpm - exact))), float(jnp.mean(jnp.abs(ddim - exact)))


def test_dpm_solver_pp_converges_at_second_order_and_ddim_at_first():
    dpm_20, ddim_20 = errors(20)
    dpm_40, ddim_40 = errors(40)
    assert dpm_20 / dpm_40 > 3.0  # second order: 4 (measured 4.0)
    assert 1.6 < ddim_20 / ddim_40 < 2.5  # first order: 2 (measured 2.0)
    assert dpm_20 < ddim_20 / 4  # measured 0.0059 against 0.048


def test_heun_carries_the_noise_onto_the_datas_gaussian():
    net = oracle(FULL)
    run = compiler.jit(
        lambda x: heun(schedule=FULL, net=net, x_T=x, num_levels=40, reverse=UNCLIPPED)
    )
    x = run(jax.random.normal(jax.random.key(2), (20000, 2)))
    mean, cov = moments(x)
    np.testing.assert_allclose(mean, MEAN, atol=0.03)
    np.testing.assert_allclose(cov, COVARIANCE, atol=0.04)
    x_T = jax.random.normal(jax.random.key(3), (2000, 1))
    coarse, fine = (
        float(
            jnp.mean(
                jnp.abs(
                    heun(schedule=FULL, net=exact_eps, x_T=x_T, num_levels=n, reverse=UNCLIPPED)
                    - exact_solution(x_T)
                )
            )
        )
        for n in (10, 20)
    )
    assert coarse / fine > 3.0  # Heun is second order (measured 5.0)


def test_the_grids_span_the_schedule_and_refuse_fewer_than_two_steps():
    levels = karras_sigmas(FULL, 10)
    assert levels[0] == 999 and levels[-1] == 0 and np.all(np.diff(levels) < 0)
    steps = logsnr_spaced(FULL, 10)
    assert steps[0] == 0 and steps[-1] == 999 and np.all(np.diff(steps) > 0)
    with pytest.raises(JaxgenError, match="at least 2"):
        karras_sigmas(FULL, 1)
    with pytest.raises(JaxgenError, match="at least 2"):
        logsnr_spaced(FULL, 1)


def test_an_ode_sampler_without_its_step_count_is_refused_naming_the_flag():
    config = get_config()
    config.model.sampler, config.model.sample_steps = "dpm_solver_pp", 0
    with pytest.raises(JaxgenError, match="needs --config.model.sample_steps of 2 or more"):
        build_experiment(config)
    config.model.sampler = "euler_maruyama"
    with pytest.raises(JaxgenError, match="unknown `sampler`"):
        build_experiment(config)
