"""Mode coverage (VEEGAN §5.1, PacGAN §5) on constructed samples, with the ring8 and grid25
centres and standard deviations as the experiments pass them in
(``experiments/families/evaluation.py``: ``data.density.means``, ``data.density.stds[0]``)."""

import numpy as np
import pytest

from jaxgen.data.toy import toy_dataset
from jaxgen.metrics.modes import mode_coverage, nearest_mode

MIXTURES = ("ring8", "grid25")


def centres_and_std(name):
    density = toy_dataset(name).density
    return density.means, float(density.stds[0])


def test_ring8_and_grid25_centres_and_std():
    means, std = centres_and_std("ring8")
    angles = 2 * np.pi * np.arange(8) / 8
    np.testing.assert_allclose(means, 2 * np.stack([np.cos(angles), np.sin(angles)], 1))
    assert std == 0.02
    means, std = centres_and_std("grid25")
    assert means.shape == (25, 2)
    assert {tuple(m) for m in means} == {(x, y) for x in range(-4, 5, 2) for y in range(-4, 5, 2)}
    assert std == 0.05
    for name in MIXTURES:
        assert np.unique(toy_dataset(name).density.stds).size == 1  # one std for every mode


@pytest.mark.parametrize("name", MIXTURES)
def test_samples_at_every_centre_capture_every_mode(name):
    means, std = centres_and_std(name)
    result = mode_coverage(np.repeat(means, 3, axis=0), means, std)
    assert (result.modes_captured, result.num_modes) == (len(means), len(means))
    assert result.high_quality_fraction == 1.0


@pytest.mark.parametrize("name", MIXTURES)
def test_samples_near_one_centre_capture_one_mode(name):
    means, std = centres_and_std(name)
    offsets = np.random.default_rng(0).uniform(-std, std, size=(500, 2))  # within √2 std
    result = mode_coverage(means[3] + offsets, means, std)
    assert result.modes_captured == 1
    assert result.high_quality_fraction == 1.0


@pytest.mark.parametrize("name", MIXTURES)
def test_samples_far_from_every_centre_capture_nothing(name):
    means, std = centres_and_std(name)
    # ring8: the circle's centre, 2 from every mode; grid25: the middles of the cells
    far = np.zeros((1, 2)) if name == "ring8" else means[:16] + 1.0
    result = mode_coverage(np.repeat(far, 10, axis=0), means, std)
    assert result.modes_captured == 0
    assert result.high_quality_fraction == 0.0


@pytest.mark.parametrize("name", MIXTURES)
@pytest.mark.parametrize(("stds", "counts"), [(2.9, True), (3.1, False)])
def test_the_three_std_boundary(name, stds, counts):
    means, std = centres_and_std(name)
    direction = np.array([0.6, 0.8])  # a unit vector
    result = mode_coverage((means[5] + stds * std * direction)[None], means, std)
    assert result.modes_captured == int(counts)
    assert result.high_quality_fraction == float(counts)


def test_high_quality_fraction_of_a_mixture_is_exact():
    means, std = centres_and_std("ring8")
    on_mode = np.repeat(means, [10, 10, 10, 10, 10, 10, 10, 0], axis=0)  # 70 on 7 modes
    off_mode = np.full((30, 2), 0.5)
    result = mode_coverage(np.concatenate([on_mode, off_mode]), means, std)
    assert result.modes_captured == 7
    assert result.high_quality_fraction == 0.7


@pytest.mark.parametrize("name", MIXTURES)
def test_data_from_the_mixture_itself(name):
    """Held-out data cover every mode, and the fraction within 3 std is the 2-D Gaussian's
    P(‖ε‖ ≤ 3σ) = 1 − exp(−9/2) = 0.98889 (a χ² with 2 degrees of freedom)."""
    data = toy_dataset(name)
    means, std = centres_and_std(name)
    result = mode_coverage(data.test_set(20000), means, std)
    assert result.modes_captured == len(means)
    assert result.high_quality_fraction == pytest.approx(1 - np.exp(-4.5), abs=0.003)


def test_nearest_mode_index_and_distance():
    means, _ = centres_and_std("grid25")
    samples = np.array([[0.3, -0.4], [3.9, 4.0], [-10.0, 0.0]])
    index, distance = nearest_mode(samples, means)
    np.testing.assert_array_equal(means[index], [[0, 0], [4, 4], [-4, 0]])
    np.testing.assert_allclose(distance, [0.5, 0.1, 6.0])
