"""The diffusion configs train through the loop: a resumed run is bit-exact (EMA included),
the 2-D denoiser learns, and the TFDS config takes a real step on mock data."""

import importlib

import jax
import numpy as np
import tensorflow_datasets as tfds

from experiments.train import build_experiment, loop_settings
from jaxgen.core.loop import train
from tests.conftest import assert_same_values


def small(name, num_steps, **model):
    config = importlib.import_module(f"experiments.configs.diffusion.{name}").get_config()
    config.model.update(model)
    config.data.batch_size = 32
    config.optim.warmup_steps = 0
    config.optim.decay_steps = 0
    config.eval.num_samples = 64
    config.train.update(
        num_steps=num_steps,
        steps_per_dispatch=1,
        log_every=5,
        eval_every=0,
        checkpoint_every=5,
        progress=False,
    )
    return config


def run(config, workdir):
    experiment = build_experiment(config)
    return train(
        experiment.task,
        experiment.dataset,
        workdir,
        loop_settings(config),
        run_config=config.to_dict(),
        resumable_keys=frozenset({"train.num_steps"}),
    )


def test_resumed_diffusion_run_equals_uninterrupted_run_ema_included(tmp_path):
    model = {"hidden": (16,), "embedding": 8, "num_timesteps": 50}
    whole = run(small("ring8", 10, **model), tmp_path / "whole")
    run(small("ring8", 5, **model), tmp_path / "split")
    resumed = run(small("ring8", 10, **model), tmp_path / "split")
    assert_same_values(resumed, whole)
    assert not np.array_equal(
        jax.tree.leaves(whole.denoiser.ema_params)[0], jax.tree.leaves(whole.denoiser.params)[0]
    )


def test_tfds_cifar10_config_takes_a_step():
    config = small(
        "cifar10", 1, channels=8, multipliers=(1, 2), blocks=1, attention_at=(16,), groups=4
    )
    with tfds.testing.mock_data(num_examples=64):
        experiment = build_experiment(config)
        batch = experiment.dataset.get_batch(0, 8)
        state = experiment.task.init_state(0)
    assert experiment.task.input_shape == (32, 32, 3)
    new_state, metrics = jax.jit(experiment.task.step)(state, {"x": batch["x"]})
    assert int(new_state.step) == 1 and np.isfinite(float(metrics["loss"]))
