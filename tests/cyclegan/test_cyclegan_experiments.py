"""The CycleGAN experiments: unpaired data, the digits evaluation, a bit-exact resume, and the
TFDS horse2zebra config on mock data."""

import jax
import numpy as np
import pytest
import tensorflow_datasets as tfds

from experiments.families import cyclegan as family
from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.data.digits import load_digits_arrays
from jaxgen.data.unpaired import get_unpaired_dataset, thicken_and_invert
from jaxgen.errors import JaxgenError
from tests.conftest import assert_same_values, initial_state, short_config, train_config

TINY = {"g_features": 4, "blocks": 1, "d_features": 4, "pool_size": 8}


def test_digit_style_domains_are_disjoint_halves_and_b_is_thick_and_inverted():
    data = get_unpaired_dataset("digit_styles", seed=0)
    a, b = data.domain_a.arrays["x"], -data.domain_b.arrays["x"]  # b back to its polarity
    train = load_digits_arrays("train")["x"]
    assert len(a) + len(b) == len(train)
    rows = {x.tobytes() for x in train}
    assert all(x.tobytes() in rows for x in a)
    assert not {x.tobytes() for x in a} & {x.tobytes() for x in -thicken_and_invert(train)}
    thick = -thicken_and_invert(train)
    assert np.all(thick >= train) and thick.mean() > train.mean() + 0.1  # strokes only grow
    batch = data.get_batch(5, 16)
    assert batch["a"].shape == batch["b"].shape == (16, 8, 8, 1)
    np.testing.assert_array_equal(batch["b"], data.get_batch(5, 16)["b"])
    dot = np.full((1, 8, 8, 1), -1.0, np.float32)
    dot[0, 3, 4] = dot[0, 5, 7] = 1.0  # a white pixel becomes a black dash, clipped at the edge
    dash = np.argwhere(thicken_and_invert(dot)[0, ..., 0] == -1.0).tolist()
    assert sorted(dash) == [[3, 4], [3, 5], [5, 7]]
    assert np.sum(thicken_and_invert(dot) == 1.0) == 64 - 3


def test_photo_patches_are_deterministic_crops_of_two_different_photos():
    data = get_unpaired_dataset("photos", seed=0, image_size=16, photo_scale=0.25)
    batch = data.get_batch(3, 8)
    assert batch["a"].shape == batch["b"].shape == (8, 16, 16, 3)
    assert -1 <= batch["a"].min() and batch["b"].max() <= 1
    np.testing.assert_array_equal(batch["a"], data.get_batch(3, 8)["a"])
    assert not np.array_equal(batch["a"], data.get_batch(4, 8)["a"])
    test = get_unpaired_dataset("photos", split="test", seed=0, image_size=16)
    assert not np.array_equal(batch["a"], test.get_batch(3, 8)["a"])
    assert abs(batch["a"].mean(axis=(0, 1, 2)) - batch["b"].mean(axis=(0, 1, 2))).max() > 0.05


def test_unknown_or_impossible_unpaired_data_is_refused():
    with pytest.raises(JaxgenError, match="unknown unpaired dataset"):
        get_unpaired_dataset("horses", seed=0)
    with pytest.raises(JaxgenError, match="smaller than"):
        get_unpaired_dataset("photos", seed=0, image_size=256, photo_scale=0.25)


def test_the_true_restyling_keeps_every_class_the_classifiers_can_read():
    """With the exact translation as G and F, the class-kept fractions equal the classifiers'
    accuracies on true images, and the translation errors are 0."""
    test = get_unpaired_dataset("digit_styles", split="test", seed=0)
    images = {
        "a": test.domain_a.arrays["x"],
        "b": test.domain_b.arrays["x"],
        "label": test.domain_a.arrays["label"],
    }
    metrics = family.digits_class_metrics(images, {"g_a": images["b"], "f_b": images["a"]})
    assert metrics["translation_l1_a_to_b"] == metrics["translation_l1_b_to_a"] == 0.0
    assert metrics["class_kept_a_to_b"] == metrics["classifier_accuracy_on_true_b"] > 0.9
    assert metrics["class_kept_b_to_a"] > 0.95  # the project's classifier on the test digits
    style = family.style_metrics(images, {"g_a": images["b"], "f_b": images["a"]})
    assert style["moment_gap_g_a_b"] == style["moment_gap_f_b_a"] == 0.0
    assert style["moment_gap_a_b"] > 0.5  # inversion moves the mean from −0.4 to about +0.1


def test_moment_gap_is_the_difference_of_channel_means_plus_that_of_stds():
    x = np.random.default_rng(0).normal(size=(50, 4, 4, 3))
    y = 2.0 * x + np.array([0.5, 0.0, -0.5])  # std doubles in each channel, means shift
    stds, shifts = x.std(axis=(0, 1, 2)), np.abs(x.mean(axis=(0, 1, 2)) + [0.5, 0.0, -0.5])
    np.testing.assert_allclose(family.moment_gap(x, y), np.mean(stds + shifts), rtol=1e-6)
    assert family.moment_gap(x, x) == 0.0


def test_resumed_cyclegan_run_equals_uninterrupted_run_pools_included(tmp_path):
    config = lambda n: short_config("cyclegan.digits", n, **TINY)  # noqa: E731
    whole = train_config(config(8), tmp_path / "whole")
    train_config(config(4), tmp_path / "split")
    resumed = train_config(config(8), tmp_path / "split")
    assert_same_values(resumed, whole)
    assert int(whole.pool_a.count) == 8 and int(whole.step) == 16


def test_digits_evaluation_reports_cycle_errors_beside_the_untrained_ones():
    config = short_config("cyclegan.digits", 1, **TINY)
    experiment = build_experiment(config)
    state = initial_state(experiment.task)
    results = experiment.task.evaluate(state, experiment.dataset)
    assert results["cycle_l1_a"] == results["untrained_cycle_l1_a"]  # the untrained state
    assert 0 <= results["class_kept_a_to_b"] <= 1 and results["classifier_accuracy_on_true_b"] > 0.9
    assert experiment.sample(state, jax.random.key(0), 5).shape == (5, 8, 8, 1)


def test_photos_evaluation_reports_cycle_errors_and_colour_gaps_but_no_classes():
    config = short_config("cyclegan.photos", 1, **TINY)
    config.data.update(image_size=16, batch_size=2)
    config.eval.num_samples = 8
    experiment = build_experiment(config)
    results = experiment.task.evaluate(initial_state(experiment.task), experiment.dataset)
    assert results["cycle_l1_a"] == results["untrained_cycle_l1_a"]
    assert results["moment_gap_a_b"] > 0.05  # a blue-grey temple against a pink flower
    assert not any("class" in key for key in results)


def test_tfds_horse2zebra_config_takes_a_step_and_reports_fid_on_mock_data(inception_weights):
    config = short_config("cyclegan.horse2zebra", 1, **TINY)
    config.data.update(image_size=36, random_crop=32, batch_size=2)
    config.model.downsamplings = 2
    config.eval.num_samples = 4
    config.eval.metrics = "fid,kid"
    config.eval.inception_weights = str(inception_weights)
    with tfds.testing.mock_data(num_examples=8):
        experiment = build_experiment(config)
        batch = experiment.dataset.get_batch(0, 2)
    assert experiment.task.input_shape == (32, 32, 3)
    state = initial_state(experiment.task)
    new_state, metrics = compiler.jit(experiment.task.step)(state, batch)
    assert int(new_state.step) == 2 and all(np.isfinite(float(v)) for v in metrics.values())
    with pytest.warns(UserWarning, match="biased"):  # 4 images: far fewer than 2048 features
        results = experiment.task.evaluate(new_state, experiment.dataset)
    for key in ("fid_g_a_to_b", "fid_f_b_to_a", "kid_g_a_to_b", "kid_f_b_to_a"):
        assert np.isfinite(results[key]) and results[key] != 0, key
