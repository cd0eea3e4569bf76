"""The flow-matching family end to end: it learns, its sampler and likelihood report their
NFE, its image configs train on the digits and on mock TFDS data, and bad settings are one
line each."""

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.train import build_experiment, likelihood
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
    # the evaluation reports the NFE of its Dopri5 solves: 6 per step and the first stage
    assert results["sample_nfe"] % 6 == 1 and results["likelihood_nfe"] % 6 == 1
    assert results["sample_nfe"] == experiment.sample.nfe


def test_the_digits_config_untrained_reports_fd_nfe_and_the_gaussians_bits_per_dim():
    """The U-Net's output starts at zero, so x(0) = x̃ and log p(x̃) = log N(x̃; 0, I): per
    dimension ½E[x̃²] + ½log 2π nats, with x̃ = 2(k + u)/L − 1 of E[x̃²] = a² + 2a/L + 4/(3L²)
    for a = 2k/L − 1; bits/dim adds log(L/2) and divides by log 2. Its samples are requantized
    to the 17 levels, and Heun's NFE is 2 per step."""
    config = small("digits", 1, **TINY_UNET, sample_steps=3)
    config.eval.update(num_samples=20, sample_batch=10, likelihood_examples=64)
    experiment = build_experiment(config)
    state = initial_state(experiment.task)
    results = experiment.task.evaluate(state, None)
    assert results["sample_nfe"] == 6 and np.isfinite(results["frechet_distance_to_test"])
    levels = 17
    k = np.round((load_digits_test_x(64) + 1) / 2 * (levels - 1))
    a = 2 * k / levels - 1
    square = np.mean(a**2 + 2 * a / levels + 4 / (3 * levels**2))
    nats = 0.5 * square + 0.5 * np.log(2 * np.pi) + np.log(levels / 2)
    # the dequantization noise of 64 x 64 values: E[x̃²] within ~0.002
    assert results["test_bits_per_dim"] == pytest.approx(nats / np.log(2), abs=0.01)
    samples = experiment.sample(state, jax.random.key(0), 4)
    assert np.abs(samples[..., None] - np.linspace(-1, 1, levels)).min(-1).max() < 1e-6


def load_digits_test_x(n):
    from jaxgen.data import get_dataset

    return np.asarray(get_dataset("digits", split="test").arrays["x"][:n])


def test_tfds_configs_read_mock_data_and_cifar10_takes_a_step():
    """Both TFDS configs build on mock data of their shapes; CIFAR-10's takes a train step
    (the step is the digits' on another shape: one compiled here is enough)."""
    with tfds.testing.mock_data(num_examples=16):
        mnist = build_experiment(small("mnist", 1, **TINY_UNET))
        assert mnist.task.input_shape == mnist.dataset.get_batch(0, 2)["x"].shape[1:]
        assert mnist.task.input_shape == (28, 28, 1)
        exact = small("mnist", 1, **TINY_UNET)
        exact.eval.likelihood = "exact"
        with pytest.raises(JaxgenError, match="exact takes one JVP per dimension, 784 here"):
            build_experiment(exact)
        experiment = build_experiment(small("cifar10", 1, **TINY_UNET))
        batch = experiment.dataset.get_batch(0, 8)
        state = initial_state(experiment.task)
    assert experiment.task.input_shape == (32, 32, 3)
    new_state, metrics = compiler.jit(experiment.task.step)(state, {"x": batch["x"]})
    assert int(new_state.step) == 1 and np.isfinite(float(metrics["loss"]))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"model.solver": "rk4"}, "unknown ODE `solver` 'rk4'; use one of euler, heun, dopri5"),
        (
            {"model.solver": "euler", "model.sample_steps": 0},
            "solver=euler needs a positive --config.model.sample_steps, got 0",
        ),
        ({"eval.likelihood": "skilling"}, "unknown trace 'skilling'"),
        ({"eval.probe": "sobol"}, "unknown Hutchinson probe 'sobol'"),
        ({"eval.likelihood_tolerance": 0.0}, "likelihood_tolerance=0.0 and .* must be positive"),
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
    config = small("ring8", 20, hidden=(8,), embedding=8)
    config.train.update(steps_per_dispatch=10, log_every=10, checkpoint_every=20)
    train_config(config, workdir)
    before = sorted(p.relative_to(workdir) for p in workdir.rglob("*"))
    failed = run_main(
        "--config=experiments/configs/flow_matching/ring8.py",
        f"--workdir={workdir}",
        *(f"--config.{key}={value}" for key, value in flags_of(config).items()),
        "--mode=sample",
        "--num_samples=10",
        "--config.model.rtol=1e-12",
        "--config.model.atol=1e-12",
        "--config.model.max_steps=2",
    )
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: dopri5 at rtol=1e-12, atol=1e-12 did not reach the end of the ODE within 2 "
        "steps; loosen --config.model.rtol and --config.model.atol, or raise "
        "--config.model.max_steps"
    )
    assert sorted(p.relative_to(workdir) for p in workdir.rglob("*")) == before
    results = likelihood(config, workdir)
    assert results["iteration"] == 20 and np.isfinite(results["kl_gap"])
    assert sorted(p.relative_to(workdir) for p in workdir.rglob("*")) == before
    unset = small("ring8", 1)
    unset.eval.likelihood = ""
    with pytest.raises(JaxgenError, match="needs --config.eval.likelihood .exact or hutch"):
        build_experiment(unset).likelihood(None)


def flags_of(config) -> dict:
    """The keys where ``config`` differs from the ring8 config file, as flag values."""
    from experiments.configs.flow_matching.ring8 import get_config

    default = get_config().to_dict()
    return {
        f"{section}.{key}": value
        for section, values in config.to_dict().items()
        if isinstance(values, dict)
        for key, value in values.items()
        if default[section][key] != value
    }


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
