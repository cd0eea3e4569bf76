"""pix2pix (Isola et al. 2017): the discriminator judges (input, output) pairs, the U-Net's
noise is its dropout, the step is the paper's objective, L1 alone leaves D untouched, and a
resumed run equals an uninterrupted one."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax
from PIL import Image

from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.gan import losses
from jaxgen.nn.cyclegan import PatchDiscriminator
from jaxgen.nn.pix2pix import UNetGenerator
from jaxgen.pix2pix import init_pix2pix_state, make_pix2pix_step, translate
from jaxgen.pix2pix.steps import pair
from tests.conftest import assert_same_values, short_config, train_config

X = jax.random.uniform(jax.random.key(0), (4, 8, 8, 1), minval=-1, maxval=1)
Y = jax.random.uniform(jax.random.key(1), (4, 8, 8, 3), minval=-1, maxval=1)


@functools.cache
def state():
    """A small pix2pix state, its initialisation compiled once (op by op, each parameter's
    initialiser would compile on its own)."""
    settings = dict(
        generator=UNetGenerator(channels=3, features=8),
        discriminator=PatchDiscriminator(features=8, layers=1),
        input_shape=(8, 8, 1),
        target_shape=(8, 8, 3),
        g_tx=optax.adam(2e-4, 0.5),
        d_tx=optax.adam(2e-4, 0.5),
    )
    return compiler.jit(lambda: init_pix2pix_state(seed=0, **settings))()


def leaves_equal(a, b) -> bool:
    return all(
        np.array_equal(u, v) for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


def test_the_discriminator_sees_the_input_not_only_the_output():
    s = state()
    first_kernel = s.d.params["Conv_0"]["kernel"]
    assert first_kernel.shape[2] == 1 + 3  # the input's and the output's channels
    judge = lambda x: s.d.forward(s.d.params, pair(x, Y), train=True)[0]  # noqa: E731
    other_input = jnp.flip(X, axis=1)
    assert not np.allclose(judge(X), judge(other_input))  # same output, another input


def test_the_generator_noise_is_dropout_and_a_key_fixes_it():
    s = state()
    a = translate(s, X, jax.random.key(2))
    np.testing.assert_array_equal(a, translate(s, X, jax.random.key(2)))
    assert not np.allclose(a, translate(s, X, jax.random.key(3)))
    assert a.shape == (4, 8, 8, 3) and float(jnp.max(jnp.abs(a))) <= 1.0


def test_the_step_descends_the_papers_objective_and_l1_alone_leaves_d_alone():
    s = state()
    batch = {"input": X, "x": Y}
    after, metrics = compiler.jit(make_pix2pix_step())(s, batch)
    expected = 100.0 * metrics["l1"] + metrics["g_adversarial"]
    np.testing.assert_allclose(metrics["g_loss"], expected, rtol=1e-6)
    # D's loss is half the cross-entropy on (x, y) against (x, G(x)) with the step's masks
    fake = translate(s, X, jax.random.fold_in(jax.random.fold_in(s.key, 0), 0))
    real_logits, after_real = s.d.forward(s.d.params, pair(X, Y), train=True)
    fake_logits, _ = s.d.replace(collections=after_real).forward(
        s.d.params, pair(X, fake), train=True
    )
    half = 0.5 * losses.objective("non_saturating").discriminator(real_logits, fake_logits)
    np.testing.assert_allclose(metrics["d_loss"], half, rtol=1e-5)
    np.testing.assert_allclose(metrics["l1"], jnp.mean(jnp.abs(Y - fake)), rtol=1e-5)
    assert int(after.step) == 2 and int(after.g_steps) == 1
    assert not leaves_equal(after.d.params, s.d.params)
    l1_only, l1_metrics = compiler.jit(make_pix2pix_step(adversarial_weight=0.0))(s, batch)
    assert leaves_equal(l1_only.d.params, s.d.params) and "d_loss" not in l1_metrics
    np.testing.assert_allclose(l1_metrics["g_loss"], 100.0 * l1_metrics["l1"], rtol=1e-6)


def small(num_steps):
    config = short_config("pix2pix.edges2digits", num_steps, g_features=4, d_features=4)
    config.eval.num_samples = 20
    return config


def test_resumed_pix2pix_run_equals_uninterrupted_run(tmp_path):
    whole = train_config(small(6), tmp_path / "whole")
    train_config(small(3), tmp_path / "split")
    assert_same_values(train_config(small(6), tmp_path / "split"), whole)


def test_the_facades_config_trains_on_a_folder_of_side_by_side_pairs(tmp_path):
    rng = np.random.default_rng(0)
    for split, count in (("train", 4), ("test", 2)):
        (tmp_path / split).mkdir()
        for i in range(count):  # the paper's files: photograph (A) | labels (B)
            pixels = rng.integers(0, 256, (20, 40, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / split / f"{i}.jpg")
    config = short_config("pix2pix.facades", 2, g_features=4, d_features=4, d_layers=1)
    config.data.update(data_dir=str(tmp_path), image_size=18, random_crop=16, batch_size=2)
    config.eval.metrics = ""
    experiment = build_experiment(config)
    assert experiment.task.input_shape == (16, 16, 3)
    state = train_config(config, tmp_path / "run")
    results = experiment.task.evaluate(state, experiment.dataset)
    assert np.isfinite(results["l1"]) and np.isfinite(results["untrained_l1"])
    assert "fid_to_targets" not in results  # eval.metrics="" here: no Inception needed
