"""The lecture's GAN theory, checked numerically."""

import numpy as np
import pytest
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


def test_simultaneous_play_spirals_out_by_sqrt_one_plus_eta_squared():
    eta = 0.1
    path = theory.bilinear_game(1.0, 1.0, eta, 200, simultaneous=True)
    radius = np.linalg.norm(path, axis=1)
    np.testing.assert_allclose(radius[1:] / radius[:-1], np.sqrt(1 + eta**2), rtol=1e-6)


def test_alternating_play_stays_bounded():
    path = theory.bilinear_game(1.0, 1.0, 0.1, 10000, simultaneous=False)
    radius = np.linalg.norm(path, axis=1)
    assert radius.max() < 1.2 * radius[0]
