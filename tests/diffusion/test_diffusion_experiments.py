"""The diffusion configs train through the loop: a resumed run is bit-exact (EMA included),
the 2-D denoiser learns, the TFDS config takes a real step on mock data, and a guided model
is judged on the classes it was asked for."""

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.errors import JaxgenError
from tests.conftest import assert_same_values, initial_state, short_config, train_config


def small(name, num_steps, **model):
    config = short_config(f"diffusion.{name}", num_steps, **model)
    config.optim.warmup_steps = 0
    config.optim.decay_steps = 0
    config.eval.num_samples = 64
    return config


run = train_config


def test_resumed_diffusion_run_equals_uninterrupted_run_ema_included(tmp_path):
    model = {"hidden": (16,), "embedding": 8, "num_timesteps": 50}
    whole = run(small("ring8", 10, **model), tmp_path / "whole")
    run(small("ring8", 5, **model), tmp_path / "split")
    resumed = run(small("ring8", 10, **model), tmp_path / "split")
    assert_same_values(resumed, whole)
    assert not np.array_equal(
        jax.tree.leaves(whole.denoiser.ema_params)[0], jax.tree.leaves(whole.denoiser.params)[0]
    )


def test_a_short_2d_ddpm_samples_closer_to_the_data_than_its_starting_noise(tmp_path):
    config = small("moons", 500, hidden=(64, 64), ema_decay=0.9)
    config.train.update(steps_per_dispatch=50, log_every=250, checkpoint_every=250)
    config.data.batch_size = 256
    config.optim.lr = 2e-3
    state = run(config, tmp_path)
    experiment = build_experiment(config)
    samples = experiment.sample(state, jax.random.key(0), 1000)
    noise = np.asarray(jax.random.normal(jax.random.key(0), (1000, 2)))
    data = experiment.dataset
    entropy = -np.mean(data.log_prob(data.test_set(1000)))
    # mean NLL under the true moons density, in excess of the data's own
    excess_samples = -np.mean(data.log_prob(samples)) - entropy
    excess_noise = -np.mean(data.log_prob(noise)) - entropy
    assert excess_samples < 0.5 * excess_noise  # measured: 1.5 against 3.8 nats


def test_tfds_cifar10_config_takes_a_step():
    config = small(
        "cifar10", 1, channels=8, multipliers=(1, 2), blocks=1, attention_at=(16,), groups=4
    )
    with tfds.testing.mock_data(num_examples=64):
        experiment = build_experiment(config)
        batch = experiment.dataset.get_batch(0, 8)
        state = initial_state(experiment.task)
    assert experiment.task.input_shape == (32, 32, 3)
    new_state, metrics = compiler.jit(experiment.task.step)(state, {"x": batch["x"]})
    assert int(new_state.step) == 1 and np.isfinite(float(metrics["loss"]))


def test_a_guided_digits_model_draws_each_requested_class_and_reports_its_accuracy(tmp_path):
    model = dict(channels=8, multipliers=(1, 2), attention_at=(), groups=4, num_timesteps=100)
    config = small("digits_guided", 2, sample_steps=5, **model)
    config.eval.update(num_samples=20, sample_batch=10, metrics="fid", bound_examples=0)
    state = run(config, tmp_path)
    experiment = build_experiment(config)
    results = experiment.task.evaluate(state, experiment.dataset)
    assert 0.0 <= results["label_accuracy"] <= 1.0
    assert len(results["per_class_accuracy"]) == 10
    conditional = experiment.sample(state, jax.random.key(0), 10)
    config.model.guidance = 3.0  # a sampler setting: the same run, another sampler
    guided = build_experiment(config).sample(state, jax.random.key(0), 10)
    assert not np.allclose(conditional, guided)
    config.eval.sample_batch = 15
    with pytest.raises(JaxgenError, match="must be a multiple of the 10 requested classes"):
        build_experiment(config)
    config.eval.sample_batch, config.model.guidance = 10, -1.0
    with pytest.raises(JaxgenError, match="guidance weight w must be >= 0"):
        build_experiment(config)
