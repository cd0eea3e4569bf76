"""The TFDS DCGAN configs build and take a real train step on mock TFDS data."""

import jax
import pytest
import tensorflow_datasets as tfds

from experiments.configs.gan import cifar10, mnist
from experiments.train import build_experiment


@pytest.mark.parametrize("module, shape", [(mnist, (32, 32, 1)), (cifar10, (32, 32, 3))])
def test_dcgan_tfds_config_trains_one_step(module, shape):
    config = module.get_config()
    config.data.batch_size = 8
    config.model.g_features = config.model.d_features = 8
    with tfds.testing.mock_data(num_examples=16):
        experiment = build_experiment(config)
        batch = experiment.dataset.get_batch(0, 8)
    assert experiment.dataset.element_shape == shape == experiment.task.input_shape
    state = experiment.task.init_state(0)
    new_state, metrics = jax.jit(experiment.task.step)(state, {"x": batch["x"][None]})
    assert int(new_state.step) == 2 and all(jax.numpy.isfinite(v) for v in metrics.values())
