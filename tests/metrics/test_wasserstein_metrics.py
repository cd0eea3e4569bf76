"""Ground-truth W1 distances against closed forms."""

import numpy as np
import pytest

from jaxgen.errors import JaxgenError
from jaxgen.metrics.wasserstein import sliced_wasserstein, wasserstein_1d


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
