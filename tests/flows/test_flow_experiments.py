"""The flow configs train through the loop: a resumed run is bit-exact, image flows report
bits/dim that the uniform model bounds, and the TFDS configs take a real step on mock data."""

import math

import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.data.toy import ToyDataset
from tests.conftest import assert_same_values, initial_state, short_config, train_config


def small(name, num_steps, **model):
    config = short_config(f"flow.{name}", num_steps, **model)
    config.model.init_batch_size = 64
    config.optim.warmup_steps = 0
    config.optim.decay_steps = 0
    config.eval.num_samples = 200
    return config


run = train_config


def test_resumed_flow_run_equals_uninterrupted_run(tmp_path):
    model = {"pairs": 1, "hidden": (16,), "bins": 4}
    whole = run(small("ring8", 10, **model), tmp_path / "whole")
    run(small("ring8", 5, **model), tmp_path / "split")
    assert_same_values(run(small("ring8", 10, **model), tmp_path / "split"), whole)


def test_a_2d_flow_draws_its_density_beside_the_data(tmp_path, monkeypatch):
    """The data's exact density on the grid (seconds of numpy for a curve density) is
    computed when the first figure is drawn, once, and not when the experiment is built."""
    grids = []
    exact = ToyDataset.log_prob
    monkeypatch.setattr(
        ToyDataset, "log_prob", lambda self, x: grids.append(len(x)) or exact(self, x)
    )
    config = small("ring8", 0, pairs=1, hidden=(16,), bins=4)
    experiment = build_experiment(config)
    assert grids == []
    state = initial_state(experiment.task)
    for tag in ("00000007", "00000008"):
        experiment.task.write_figures(state, tmp_path, tag)
    assert grids == [200 * 200]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "density_00000007.png",
        "density_00000008.png",
        "samples_00000007.png",
        "samples_00000008.png",
    ]


def test_digits_glow_trains_below_the_uniform_bits_per_dim(tmp_path):
    config = small("digits", 120, levels=2, steps=1, width=16)
    state = run(config, tmp_path)
    results = build_experiment(config).task.evaluate(state, None)
    # a uniform density over the 17 grey levels costs log2(17) = 4.09 bits per pixel
    assert np.isfinite(results["test_bits_per_dim"])
    assert results["test_bits_per_dim"] < math.log2(17)


@pytest.mark.parametrize(
    "name, shape",
    [("glow_mnist", (32, 32, 1)), ("glow_cifar10", (32, 32, 3)), ("realnvp_cifar10", (32, 32, 3))],
)
def test_image_flow_tfds_config_takes_a_step(name, shape):
    config = small(name, 1, levels=2, steps=1, width=8, depth=0)
    with tfds.testing.mock_data(num_examples=64):
        experiment = build_experiment(config)
        batch = experiment.dataset.get_batch(0, 32)
        state = initial_state(experiment.task)
    assert experiment.task.input_shape == shape
    new_state, metrics = compiler.jit(experiment.task.step)(state, {"x": batch["x"]})
    assert int(new_state.step) == 1 and np.isfinite(float(metrics["bits_per_dim"]))
