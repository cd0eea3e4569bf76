"""Ground-truth W1 distances against closed forms and brute force."""

import itertools

import numpy as np
import pytest

from jaxgen.errors import JaxgenError
from jaxgen.metrics.wasserstein import earth_movers_distance, sliced_wasserstein, wasserstein_1d


def test_w1_of_a_shift_is_the_shift_and_of_gaussians_matches_the_closed_form():
    rng = np.random.default_rng(0)
    a = rng.normal(size=100000)
    assert wasserstein_1d(a, a + 3.0) == pytest.approx(3.0)
    # W1(N(0,1), N(0, s²)) = |1 − s| · E|Z| = |1 − s| · sqrt(2/π)
    b = rng.normal(size=100000) * 2.0
    assert wasserstein_1d(a, b) == pytest.approx(np.sqrt(2 / np.pi), rel=0.02)


def test_sliced_w1_of_a_2d_shift():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(20000, 2))
    shift = np.array([3.0, 0.0])
    # projection of the shift on θ = (cos φ, sin φ): mean |3 cos φ| = 6/π
    assert sliced_wasserstein(a, a + shift, 2000) == pytest.approx(6 / np.pi, rel=0.03)
    assert sliced_wasserstein(a, a) == 0.0


def test_unequal_sizes_are_refused():
    with pytest.raises(JaxgenError, match="equal sample sizes"):
        wasserstein_1d(np.zeros(3), np.zeros(4))


def test_emd_in_1d_is_the_sorted_w1():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=300), rng.exponential(size=300)
    assert earth_movers_distance(a, b) == pytest.approx(wasserstein_1d(a, b), rel=1e-12)
    assert earth_movers_distance(a[:, None], b[:, None]) == pytest.approx(wasserstein_1d(a, b))


@pytest.mark.parametrize("n", [1, 2, 5, 7])
def test_emd_is_the_minimum_over_all_permutations(n):
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=(n, 2)), rng.normal(size=(n, 2)) + 0.5
    cost = np.linalg.norm(a[:, None] - b[None], axis=-1)
    permutations = np.array(list(itertools.permutations(range(n))))
    brute_force = cost[np.arange(n), permutations].mean(axis=1).min()
    assert earth_movers_distance(a, b) == pytest.approx(brute_force, rel=1e-12)


def test_emd_is_a_metric_below_any_pairing_and_above_the_sliced_w1():
    rng = np.random.default_rng(3)
    a, b, c = rng.normal(size=(3, 200, 2)) * np.array([1.0, 3.0])
    ab = earth_movers_distance(a, b)
    assert ab == pytest.approx(earth_movers_distance(b, a), rel=1e-12)
    assert earth_movers_distance(a, rng.permutation(a)) == 0.0
    assert ab <= earth_movers_distance(a, c) + earth_movers_distance(c, b)
    assert ab <= np.mean(np.linalg.norm(a - b, axis=1))  # the pairing i ↔ i
    # every projection on a unit direction is 1-Lipschitz, so each 1-D W1 is at most W1
    assert sliced_wasserstein(a, b) < ab


def test_emd_of_a_translated_cloud_is_the_length_of_the_shift():
    # the translation coupling costs |v|, and the 1-Lipschitz f(x) = ⟨x, v⟩/|v| shows (by
    # Kantorovich–Rubinstein duality) that no coupling costs less: W1(μ, μ + v) = |v|
    a = np.random.default_rng(4).normal(size=(300, 2))
    v = np.array([0.3, -0.4])
    assert earth_movers_distance(a, a + v) == pytest.approx(0.5, rel=1e-12)


def test_emd_refuses_unequal_sizes_and_dimensions_in_one_line():
    with pytest.raises(JaxgenError, match="equal sample sizes, got 3 and 4; subsample") as info:
        earth_movers_distance(np.zeros((3, 2)), np.zeros((4, 2)))
    assert "\n" not in str(info.value)
    with pytest.raises(JaxgenError, match="one dimension, got 2 and 3; compare samples"):
        earth_movers_distance(np.zeros((3, 2)), np.zeros((3, 3)))
