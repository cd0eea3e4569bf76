"""The TFDS image configs (DCGAN, WGAN, WGAN-GP) build and take a real train step on mock
TFDS data."""

import importlib

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.train import build_experiment
from jaxgen.core import compiler
from tests.conftest import initial_state

SHAPES = {"mnist": (32, 32, 1), "cifar10": (32, 32, 3)}


@pytest.mark.parametrize("family", ["gan", "wgan", "wgan_gp"])
@pytest.mark.parametrize("dataset", sorted(SHAPES))
def test_image_tfds_config_trains_one_step(family, dataset):
    config = importlib.import_module(f"experiments.configs.{family}.{dataset}").get_config()
    config.data.batch_size = 8
    config.model.g_features = config.model.d_features = 8
    with tfds.testing.mock_data(num_examples=16):
        experiment = build_experiment(config)
        k = experiment.task.sub_batches
        batch = np.stack([experiment.dataset.get_batch(i, 8)["x"] for i in range(k)])
    assert experiment.dataset.element_shape == SHAPES[dataset] == experiment.task.input_shape
    state = initial_state(experiment.task)
    new_state, metrics = compiler.jit(experiment.task.step)(state, {"x": batch})
    assert int(new_state.step) == k + 1 and all(jax.numpy.isfinite(v) for v in metrics.values())
