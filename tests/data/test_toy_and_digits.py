"""Toy densities match their definitions; batches are pure functions of (seed, n)."""

import numpy as np
import pytest

from jaxgen.data import batch_indices, get_dataset
from jaxgen.data.digits import load_digits_arrays
from jaxgen.data.toy import DENSITIES, GaussianMixture, toy_dataset
from jaxgen.errors import JaxgenError

TWO_D = [name for name in DENSITIES if name != "bimodal1d"]


@pytest.mark.parametrize("name", TWO_D)
def test_2d_density_integrates_to_one(name):
    density = toy_dataset(name).density
    if isinstance(density, GaussianMixture):
        # importance sampling from the same mixture with 10x wider components: E_q[p/q] = 1
        wide = GaussianMixture(density.means, 10 * density.stds, density.weights)
        y = wide.sample(np.random.default_rng(3), 40000)
        mass = np.exp(density.log_prob(y) - wide.log_prob(y)).mean()
    else:
        ticks = np.linspace(-4.5, 4.5, 121)  # the supports lie well inside
        grid = np.stack(np.meshgrid(ticks, ticks), -1).reshape(-1, 2)
        mass = np.exp(density.log_prob(grid)).sum() * (ticks[1] - ticks[0]) ** 2
    assert abs(mass - 1) < 0.03


def test_ring8_entropy_matches_closed_form():
    data = toy_dataset("ring8")
    x = data.test_set(50000)
    entropy = np.log(8) + np.log(2 * np.pi * np.e * 0.02**2)  # log 8 + H(N(0, 0.02^2 I_2))
    assert entropy == pytest.approx(-2.908, abs=2e-3)
    assert -data.log_prob(x).mean() == pytest.approx(entropy, abs=0.02)


def test_grid25_and_ring8_geometry():
    grid = toy_dataset("grid25").density
    assert sorted(set(grid.means[:, 0])) == [-4, -2, 0, 2, 4]
    ring = toy_dataset("ring8").density
    np.testing.assert_allclose(np.linalg.norm(ring.means, axis=1), 2.0)


def test_checkerboard_samples_lie_on_its_support():
    data = toy_dataset("checkerboard")
    x = data.get_batch(0, 5000)["x"]
    assert np.all(np.isfinite(data.log_prob(x)))
    assert np.isinf(data.log_prob(np.array([[1.0, -1.0]]))).all()  # a light square


def test_bimodal1d_is_one_dimensional_with_its_mixture_moments():
    x = toy_dataset("bimodal1d").get_batch(0, 20000)["x"]
    assert x.shape == (20000, 1)
    assert x.var() == pytest.approx(4 + 0.25, rel=0.05)


@pytest.mark.parametrize("name", [*DENSITIES, "digits"])
def test_batches_are_pure_functions_of_seed_and_index(name):
    a, b = get_dataset(name, seed=3), get_dataset(name, seed=3)
    np.testing.assert_array_equal(a.get_batch(7, 32)["x"], b.get_batch(7, 32)["x"])
    assert not np.array_equal(a.get_batch(7, 32)["x"], a.get_batch(8, 32)["x"])
    other_seed = get_dataset(name, seed=4)
    assert not np.array_equal(a.get_batch(7, 32)["x"], other_seed.get_batch(7, 32)["x"])
    rows = slice(8, 24)
    np.testing.assert_array_equal(a.get_batch(7, 32, rows)["x"], a.get_batch(7, 32)["x"][rows])


def test_each_epoch_visits_every_example_once():
    n, b = 103, 10
    epoch0 = np.concatenate([batch_indices(0, i, b, n) for i in range(10)])
    epoch1 = np.concatenate([batch_indices(0, i, b, n) for i in range(10, 20)])
    assert len(set(epoch0)) == 100 and len(set(epoch1)) == 100
    assert not np.array_equal(epoch0, epoch1)


def test_digits_split_is_stratified_disjoint_and_scaled():
    train, test, full = (load_digits_arrays(s) for s in ("train", "test", "all"))
    assert len(train["x"]) + len(test["x"]) == len(full["x"]) == 1797
    assert train["x"].shape[1:] == (8, 8, 1)
    assert train["x"].min() == -1.0 and train["x"].max() == 1.0
    fractions = np.bincount(test["label"]) / np.bincount(full["label"])
    assert np.all(np.abs(fractions - 0.2) < 0.01)
    train_rows = {r.tobytes() for r in train["x"]}
    overlap = sum(r.tobytes() in train_rows for r in test["x"])
    assert overlap < 5  # the raw data hold a few identical images; the split shares none by index


def test_unknown_dataset_and_split_are_one_line_errors():
    with pytest.raises(JaxgenError, match="unknown dataset 'ring9'; choose one of"):
        get_dataset("ring9")
    with pytest.raises(JaxgenError, match="unknown digits split"):
        get_dataset("digits", split="validation")
    with pytest.raises(JaxgenError, match="exceeds"):
        get_dataset("digits").get_batch(0, 5000)
