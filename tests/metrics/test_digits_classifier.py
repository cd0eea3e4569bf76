"""The committed digits classifier classifies, separates digits from noise, and retrains
deterministically."""

import numpy as np
import pytest

from jaxgen.data.digits import load_digits_arrays
from jaxgen.errors import JaxgenError
from jaxgen.metrics import digits_classifier as dc
from tests.conftest import assert_same_values


@pytest.fixture(scope="module")
def test_split():
    return load_digits_arrays("test")


def test_committed_classifier_is_accurate_on_the_test_split():
    assert dc.test_accuracy(dc.load_digits_classifier().params) >= 0.95


def test_frechet_distance_separates_held_out_digits_from_noise(test_split):
    train = load_digits_arrays("train")["x"]
    noise = np.random.default_rng(0).uniform(-1, 1, test_split["x"].shape).astype(np.float32)
    to_train = dc.digits_frechet_distance(test_split["x"], train)
    to_noise = dc.digits_frechet_distance(test_split["x"], noise)
    assert 0 < to_train < to_noise / 20


def test_class_histogram_matches_the_test_labels(test_split):
    histogram = dc.class_histogram(test_split["x"])
    counts = np.bincount(test_split["label"], minlength=10)
    assert histogram.shape == (10,) and histogram.sum() == counts.sum()
    assert np.abs(histogram - counts).max() <= 3
    assert np.abs(histogram - counts).sum() <= 2 * 0.05 * counts.sum()  # ≤ 5% misclassified


def test_retraining_with_the_same_seed_is_bitwise_deterministic():
    assert_same_values(
        dc.train_digits_classifier(seed=0, steps=5), dc.train_digits_classifier(seed=0, steps=5)
    )


def test_wrongly_shaped_samples_raise_a_jaxgen_error():
    with pytest.raises(JaxgenError, match=r"\(N, 8, 8, 1\)"):
        dc.class_histogram(np.zeros((4, 64)))
