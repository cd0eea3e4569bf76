"""The diffusion demonstration runs end to end on a small digits DDPM, and its forward-process
picture shows what q(x_t | x_0) says: the digit fades as ᾱ_t falls. Progressive decompression
(Ho et al. 2020, §4.3): the rate adds the bound's terms from T down, an oracle's distortion is
0, and samples from a shared x_t enter the reverse chain at their own t."""

import argparse
import json

import jax
import numpy as np
import pytest

from experiments.lecture import diffusion_process
from experiments.lecture import progressive_decompression as pd
from jaxgen.diffusion import (
    DDPM,
    ReverseProcess,
    ancestral_step,
    make_schedule,
    run_reverse,
    variational_bound,
)
from jaxgen.diffusion.bound import bits_per_dim
from jaxgen.diffusion.forward import at
from tests.conftest import short_config


def test_diffusion_lecture_script_runs_and_its_forward_process_fades_the_digit(tmp_path):
    config = short_config(
        "diffusion.digits", 20, every=20, channels=8, multipliers=(1,), attention_at=(), groups=4
    )
    config.eval.update(num_samples=32, bound_examples=0)
    result = diffusion_process.run(tmp_path, config, n=32, ddim_steps=(10,))

    digit = diffusion_process.load_digits_arrays("test")["x"][0].ravel()
    frames = result["forward"].reshape(len(diffusion_process.FORWARD_STEPS), -1)
    np.testing.assert_allclose(frames[0], digit, atol=0.05)  # t = 0: β_1 = 1e-4 of noise
    correlation = [np.corrcoef(frame, digit)[0, 1] for frame in frames]
    assert all(a > b for a, b in zip(correlation, correlation[1:], strict=False))
    assert abs(correlation[-1]) < 0.3  # t = 999: ᾱ_T ≈ 4e-5, noise only
    for abar in result["alphas_cumprod"].values():
        assert abar[0] > 0.999 and abar[-1] < 1e-3 and np.all(np.diff(abar) < 0)

    trajectory = result["trajectory"]  # x_T first, the clipped x_0 last
    assert trajectory.shape == (8, 6, 8, 8, 1)
    assert 0.7 < trajectory[0].std() < 1.3 and np.abs(trajectory[-1]).max() <= 1.0

    samplers = result["samplers"]
    assert set(samplers) == {"ancestral_1000", "ddim_10", "frechet_distance_train_to_test"}
    for name in ("ancestral_1000", "ddim_10"):
        assert samplers[name]["samples"].shape == (20, 8, 8, 1)
        assert np.isfinite(samplers[name]["frechet_distance_to_test"])

    diffusion_process.draw_figures(tmp_path, result)
    assert (tmp_path / "diffusion_process.png").is_file()
    assert (tmp_path / "diffusion_samplers.png").is_file()


# Diffusion as progressive lossy decompression (Ho et al. 2020, §4.3): on a 40-step schedule
# and plain-function denoisers, so that nothing but the coding arithmetic is compiled.

LEVELS, STEPS = 17, 40


def _digits(n):
    return diffusion_process.load_digits_arrays("test")["x"][:n]


def _oracle(schedule, x0):
    """ε_θ(x_t, t) = the true noise of x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε, for the rows of x0."""

    def net(xt, t):
        a, s = schedule.sqrt_alphas_cumprod, schedule.sqrt_one_minus_alphas_cumprod
        return (xt - at(a, t, xt) * x0) / at(s, t, xt)

    return net


def test_progressive_rate_adds_the_bounds_terms_from_T_down(tmp_path):
    schedule, x0, key = make_schedule("linear", STEPS), _digits(8), jax.random.key(3)
    net = lambda xt, t: 0.9 * xt  # noqa: E731 (a poor, untrained denoiser)
    result = pd.measure(schedule, net, DDPM, x0, levels=LEVELS, key=key)
    bound = variational_bound(schedule, net, x0, key, levels=LEVELS)
    total, decoder, prior = (
        float(bits_per_dim(nats.mean(), 64)) for nats in (bound.total, bound.steps[0], bound.prior)
    )
    rate, distortion = result["rate"], result["distortion"]
    assert rate.shape == distortion.shape == (STEPS + 1,)
    np.testing.assert_allclose(rate[0], total, atol=1e-5)  # x_0 received: the whole bound
    np.testing.assert_allclose(rate[1], total - decoder, atol=1e-5)  # x_1: all but L_0
    np.testing.assert_allclose(rate[STEPS], prior, atol=1e-6)  # x_T: L_T only
    assert np.all(np.diff(rate) <= 1e-6)  # non-decreasing as t falls
    assert distortion[0] == 0 and np.all(distortion[1:] > 1)

    # the oracle's x̂_0 is x_0; with σ_t² = β̃_t its p_θ(x_{t−1} | x_t) is q(x_{t−1} | x_t, x_0),
    # so x_T … x_1 cost nothing beyond L_T
    small = ReverseProcess(variance="small")
    oracle = pd.rate_and_distortion(
        *pd.coding_terms(schedule, _oracle(schedule, x0), x0, key, levels=LEVELS, reverse=small),
        dim=64,
    )
    assert np.abs(oracle["distortion"]).max() < 1e-2  # on [0, 255]
    assert oracle["rate"][1] - oracle["rate"][STEPS] < 1e-3

    numbers = pd.summary(result, LEVELS)
    assert numbers["half_rate"]["rate_bits_per_dim"] >= numbers["bound_bits_per_dim"] / 2
    assert result["x0_hat"].shape == (pd.SHOWN_TIMES, pd.SHOWN_DIGITS, 8, 8, 1)
    samples = result["samples"]
    assert samples.shape == (pd.STOCHASTIC_DIGITS, 4, pd.STOCHASTIC_SAMPLES, 8, 8, 1)
    pd.save_results(pd.draw(result, numbers), tmp_path, "pd", numbers)
    assert (tmp_path / "pd.png").is_file()
    assert len(json.loads((tmp_path / "pd.json").read_text())["rmse_0_255"]) == STEPS + 1


def test_sampling_from_a_shared_x_t_enters_the_reverse_chain_at_each_rows_t():
    schedule, key = make_schedule("linear", STEPS), jax.random.key(1)
    xt = jax.random.normal(jax.random.key(2), (6, 8, 8, 1))
    entry = np.array([STEPS, STEPS, 20, 20, 1, 1])
    net = lambda xt, t: 0.5 * xt  # noqa: E731
    mixed = np.asarray(pd.sample_given(schedule, net, DDPM, xt, entry, key))
    step = ancestral_step(schedule=schedule, net=net)
    for t in (STEPS, 20, 1):  # row r as if the whole batch entered at its t
        alone = np.asarray(run_reverse(step, int(t), xt, key))
        np.testing.assert_allclose(mixed[entry == t], alone[entry == t], atol=1e-6)


def test_progressive_decompression_refuses_a_workdir_without_a_digits_ddpm(tmp_path):
    other = tmp_path / "flow"
    (other / "checkpoints").mkdir(parents=True)
    (other / "fingerprint.json").write_text(json.dumps({"family": "flow"}))
    refused = [
        (tmp_path / "empty", None, "no checkpoint"),
        (other, None, "another run"),
        (other, 5, "--num_steps"),
    ]
    for workdir, num_steps, problem in refused:
        args = argparse.Namespace(workdir=str(workdir), num_steps=num_steps)
        with pytest.raises(SystemExit, match=problem) as error:
            pd.trained_model(pd.get_config(), args, tmp_path)
        assert "\n" not in str(error.value) and "--workdir" in str(error.value)
