"""The Fréchet distance against closed forms and an independent matrix square root."""

import numpy as np
import pytest
from scipy.linalg import sqrtm

from jaxgen.metrics.frechet import (
    GaussianStats,
    frechet_distance,
    frechet_distance_of,
    gaussian_stats,
)


def test_diagonal_gaussians_match_the_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    var1, var2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    exact = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(var1) - np.sqrt(var2)) ** 2).sum()
    d = frechet_distance(GaussianStats(mu1, np.diag(var1)), GaussianStats(mu2, np.diag(var2)))
    assert d == pytest.approx(exact, abs=1e-9)


def test_fitted_statistics_approach_the_analytic_value():
    rng = np.random.default_rng(0)
    a_cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    b_cov = np.array([[1.0, -0.3], [-0.3, 0.5]])
    a = rng.multivariate_normal([0, 0], a_cov, 200000)
    b = rng.multivariate_normal([1, -1], b_cov, 200000)
    root = sqrtm(a_cov @ b_cov).real
    exact = 2.0 + np.trace(a_cov + b_cov - 2 * root)
    assert frechet_distance(gaussian_stats(a), gaussian_stats(b)) == pytest.approx(exact, abs=0.02)


def test_non_diagonal_case_equals_scipy_sqrtm_form():
    rng = np.random.default_rng(1)
    m1, m2 = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    s1, s2 = m1 @ m1.T, m2 @ m2.T
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    reference = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * sqrtm(s1 @ s2).real)
    d = frechet_distance(GaussianStats(mu1, s1), GaussianStats(mu2, s2))
    assert d == pytest.approx(reference, rel=1e-7)
    assert frechet_distance(GaussianStats(mu2, s2), GaussianStats(mu1, s1)) == pytest.approx(d)


def test_identical_sets_give_zero_and_singular_covariances_stay_finite():
    x = np.random.default_rng(2).normal(size=(10, 50))  # 10 samples, 50 dims: singular
    assert frechet_distance_of(x, x, lambda v: v) == pytest.approx(0.0, abs=1e-4)
    y = np.random.default_rng(3).normal(size=(10, 50)) + 1
    d = frechet_distance_of(x, y, lambda v: v, batch_size=3)
    assert np.isfinite(d) and d > 0


def test_one_dimensional_features():
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, (100000, 1)), rng.normal(2, 3, (100000, 1))
    assert frechet_distance(gaussian_stats(a), gaussian_stats(b)) == pytest.approx(4 + 4, abs=0.1)
