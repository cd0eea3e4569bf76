"""The flow-matching family end to end: it learns, its sampler and likelihood report their
NFE, its image configs train on the digits and on mock TFDS data, and bad settings are one
line each."""

import json

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.errors import JaxgenError
from tests.conftest import initial_state, run_main, short_config, train_config

TINY_UNET = dict(channels=8, multipliers=(1, 2), blocks=1, attention_at=(), groups=4)


def small(name, num_steps, **model):
    config = short_config(f"flow_matching.{name}", num_steps, **model)
    config.optim.update(warmup_steps=0, decay_steps=0)
    config.eval.num_samples = 64
    return config


def test_flow_matching_learns_moons_and_reports_its_likelihood(tmp_path):
    config = small("moons", 600, hidden=(64, 64), embedding=16)
    config.train.update(steps_per_dispatch=50, log_every=300, checkpoint_every=300)
    config.data.batch_size = 256
    config.optim.lr = 2e-3
    config.eval.update(num_samples=500, likelihood_tolerance=1e-4)
    state = train_config(config, tmp_path)
    experiment = build_experiment(config)
    samples = experiment.sample(state, jax.random.key(0), 1000)
    data = experiment.dataset
    entropy = -np.mean(data.log_prob(data.test_set(1000)))
    noise = np.asarray(jax.random.normal(jax.random.key(0), (1000, 2)))
    # mean NLL under the true moons density, in excess of the data's own
    assert -np.mean(data.log_prob(samples)) - entropy < 0.5 * (
        -np.mean(data.log_prob(noise)) - entropy
    )
    results = experiment.task.evaluate(state, data)
    # the ODE's NLL of test points is the data's entropy plus KL(data ‖ model) >= 0, and
    # nearer it than N(0, I)'s
    assert 0.0 < results["kl_gap"] < -np.mean(jax.scipy.stats.norm.logpdf(noise).sum(1)) - entropy
    assert results["sample_nfe"] > 6 and results["likelihood_nfe"] > 6


def test_the_digits_config_reports_fd_nfe_and_bits_per_dim(tmp_path):
    config = small("digits", 2, **TINY_UNET, sample_steps=3)
    config.eval.update(num_samples=20, sample_batch=10, likelihood_examples=8)
    state = train_config(config, tmp_path)
    results = build_experiment(config).task.evaluate(state, None)
    assert results["sample_nfe"] == 6  # Heun: 2 per step
    # an untrained field is near N(0, I) on x̃ ∈ [−1, 1): −log N ≈ 0.92 + ½E[x̃²] nats per
    # dimension, ~0.5 bits/dim of 17 levels above log2(17/2) = 3.09
    assert 3.0 < results["test_bits_per_dim"] < 5.0
    assert np.isfinite(results["frechet_distance_to_test"])
    samples = build_experiment(config).sample(state, jax.random.key(0), 4)
    levels = np.linspace(-1, 1, 17)
    assert np.abs(samples[..., None] - levels).min(-1).max() < 1e-6  # requantized pixels


def test_tfds_configs_read_mock_data_and_cifar10_takes_a_step():
    """Both TFDS configs build on mock data of their shapes; CIFAR-10's takes a train step
    (the step is the digits' on another shape: one compiled here is enough)."""
    with tfds.testing.mock_data(num_examples=16):
        mnist = build_experiment(small("mnist", 1, **TINY_UNET))
        assert mnist.task.input_shape == mnist.dataset.get_batch(0, 2)["x"].shape[1:]
        assert mnist.task.input_shape == (28, 28, 1)
        experiment = build_experiment(small("cifar10", 1, **TINY_UNET))
        batch = experiment.dataset.get_batch(0, 8)
        state = initial_state(experiment.task)
    assert experiment.task.input_shape == (32, 32, 3)
    new_state, metrics = compiler.jit(experiment.task.step)(state, {"x": batch["x"]})
    assert int(new_state.step) == 1 and np.isfinite(float(metrics["loss"]))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"model.solver": "rk4"}, "unknown ODE solver 'rk4'; use one of euler, heun, dopri5"),
        ({"model.solver": "euler", "model.sample_steps": 0}, "needs a positive number of steps"),
        ({"eval.likelihood": "skilling"}, "unknown trace 'skilling'"),
        ({"eval.probe": "sobol"}, "unknown Hutchinson probe 'sobol'"),
    ],
)
def test_bad_solver_settings_are_one_line_before_anything_runs(changes, message):
    config = small("ring8", 1)
    for path, value in changes.items():
        section, key = path.split(".")
        config[section][key] = value
    with pytest.raises(JaxgenError, match=message):
        build_experiment(config)


def test_an_exhausted_step_budget_in_sample_mode_writes_nothing_and_likelihood_mode_works(
    tmp_path,
):
    workdir = tmp_path / "run"
    common = (
        "--config=experiments/configs/flow_matching/ring8.py",
        f"--workdir={workdir}",
        "--config.model.hidden=(8,)",
        "--config.model.embedding=8",
        "--config.train.progress=False",
    )
    train = (
        "--config.train.num_steps=20",
        "--config.train.steps_per_dispatch=10",
        "--config.train.checkpoint_every=20",
        "--config.train.eval_every=0",
    )
    run_main(*common, *train, check=True)
    before = sorted(p.relative_to(workdir) for p in workdir.rglob("*"))
    tight = ("--config.model.rtol=1e-12", "--config.model.atol=1e-12", "--config.model.max_steps=2")
    failed = run_main(*common, *train, "--mode=sample", "--num_samples=10", *tight)
    assert failed.returncode != 0
    lines = failed.stderr.strip().splitlines()
    assert "did not reach the end of the ODE within max_steps=2" in lines[-1]
    assert sorted(p.relative_to(workdir) for p in workdir.rglob("*")) == before
    exact = run_main(*common, *train, "--mode=likelihood", check=True)
    results = json.loads(exact.stdout.strip().splitlines()[-1])
    assert results["iteration"] == 20 and np.isfinite(results["kl_gap"])
    assert sorted(p.relative_to(workdir) for p in workdir.rglob("*")) == before


def test_a_likelihood_request_on_a_model_without_an_ode_is_one_line(tmp_path):
    gan = run_main(
        "--config=experiments/configs/gan/ring8.py", f"--workdir={tmp_path}", "--mode=likelihood"
    )
    assert gan.returncode == 2
    assert gan.stderr.strip().splitlines() == [
        "error: --mode=likelihood needs a model with an ODE (the flow_matching family), and a "
        "gan model has none; use --mode=eval (flows report their exact test NLL there, DDPMs "
        "their variational bound)"
    ]
