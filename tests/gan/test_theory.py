"""The lecture's GAN theory, checked numerically."""

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import norm

from jaxgen.gan import theory

GRID = np.linspace(-12, 12, 200001)
DX = GRID[1] - GRID[0]


def densities():
    p = 0.5 * norm.pdf(GRID, -2, 0.5) + 0.5 * norm.pdf(GRID, 2, 0.5)
    q = norm.pdf(GRID, 0.5, 1.5)
    return p, q


def test_value_at_optimum_is_twice_jsd_minus_log4():
    p, q = densities()
    d_star = theory.optimal_discriminator(p, q)
    value = theory.value_at(d_star, p, q, DX)
    assert value == pytest.approx(2 * theory.jensen_shannon(p, q, DX) - np.log(4), abs=1e-6)


def test_optimal_discriminator_beats_any_other_and_equal_densities_give_minus_log4():
    p, q = densities()
    best = theory.value_at(theory.optimal_discriminator(p, q), p, q, DX)
    for other in (np.full_like(p, 0.5), np.clip(theory.optimal_discriminator(p, q) + 0.05, 0, 1)):
        assert theory.value_at(other, p, q, DX) < best
    assert theory.value_at(np.full_like(p, 0.5), p, p, DX) == pytest.approx(-np.log(4), abs=1e-6)
    assert theory.jensen_shannon(p, p, DX) == pytest.approx(0.0, abs=1e-9)


def test_jsd_is_symmetric_and_between_zero_and_log2_which_disjoint_supports_reach():
    # discrete distributions: the grid spacing is 1. This JSD has Thm. 1's ½ (the lecture's
    # slide writes KL(P ‖ M) + KL(Q ‖ M) without it: twice this, at most 2 log 2)
    rng = np.random.default_rng(0)
    for p, q in rng.dirichlet(np.full(12, 0.5), size=(20, 2)):
        jsd = theory.jensen_shannon(p, q, 1.0)
        assert jsd == pytest.approx(theory.jensen_shannon(q, p, 1.0), rel=1e-12)
        assert 0 < jsd < np.log(2)
        assert jsd == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-9)  # scipy's is sqrt(JSD)
    p, q = np.array([0.3, 0.7, 0.0, 0.0]), np.array([0.0, 0.0, 0.6, 0.4])
    assert theory.jensen_shannon(p, q, 1.0) == pytest.approx(np.log(2), rel=1e-12)
    assert theory.jensen_shannon(p, p, 1.0) == 0.0


def test_simultaneous_play_spirals_out_by_sqrt_one_plus_eta_squared():
    eta = 0.1
    path = theory.bilinear_game(1.0, 1.0, eta, 200, simultaneous=True)
    radius = np.linalg.norm(path, axis=1)
    np.testing.assert_allclose(radius[1:] / radius[:-1], np.sqrt(1 + eta**2), rtol=1e-6)


def test_alternating_play_stays_bounded():
    path = theory.bilinear_game(1.0, 1.0, 0.1, 10000, simultaneous=False)
    radius = np.linalg.norm(path, axis=1)
    assert radius.max() < 1.2 * radius[0]
