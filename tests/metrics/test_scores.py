"""FID, IS, KID and precision/recall against their reference implementations (pytorch-fid,
torch-fidelity) and closed forms; streaming moments against the covariance of all at once;
statistics files read by pytorch-fid's own loading code."""

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from jaxgen.errors import JaxgenError
from jaxgen.metrics.frechet import frechet_distance, gaussian_stats
from jaxgen.metrics.inception_score import inception_score
from jaxgen.metrics.kernel_distance import kernel_distance
from jaxgen.metrics.precision_recall import precision_recall
from jaxgen.metrics.statistics import FeatureMoments, ReferenceStats, load_stats, save_stats
from tests.metrics.reference import pytorch_fid, torch_fidelity


def feature_sets(dim=64, n=400, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(dim, dim)) / dim**0.5
    a = rng.normal(size=(n, dim)) @ mixing
    b = rng.normal(size=(n + 37, dim)) @ (mixing + 0.1) + 0.3
    return a, b


def test_streaming_moments_equal_the_covariance_of_all_at_once():
    a, _ = feature_sets(dim=16, n=1000)
    moments = FeatureMoments.empty(16)
    for start, stop in [(0, 1), (1, 1), (1, 250), (250, 999), (999, 1000)]:
        moments = moments.add(a[start:stop])
    stats = moments.gaussian()
    np.testing.assert_allclose(stats.mean, a.mean(0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(stats.cov, np.cov(a, rowvar=False), rtol=0, atol=1e-12)
    assert stats.num_samples == 1000
    with pytest.raises(JaxgenError, match=r"\(5, 3\) do not continue moments of 16"):
        moments.add(np.zeros((5, 3)))


def test_frechet_distance_equals_pytorch_fids_formula():
    a, b = feature_sets(dim=128, n=600)
    sa, sb = gaussian_stats(a), gaussian_stats(b)
    theirs = pytorch_fid().fid_score.calculate_frechet_distance(sa.mean, sa.cov, sb.mean, sb.cov)
    assert frechet_distance(sa, sb) == pytest.approx(theirs, rel=1e-6)


def test_statistics_file_read_by_pytorch_fid_gives_the_same_fid(tmp_path):
    a, b = feature_sets(dim=96, n=500, seed=1)
    save_stats(tmp_path / "a.npz", ReferenceStats(gaussian_stats(a), features=a[:50]))
    save_stats(tmp_path / "b.npz", ReferenceStats(gaussian_stats(b)))
    fid_score = pytorch_fid().fid_score
    # pytorch-fid's loading of a statistics file (the model is not used for an .npz)
    mu_a, sigma_a = fid_score.compute_statistics_of_path(
        str(tmp_path / "a.npz"), None, 1, 96, "cpu"
    )
    mu_b, sigma_b = fid_score.compute_statistics_of_path(
        str(tmp_path / "b.npz"), None, 1, 96, "cpu"
    )
    theirs = fid_score.calculate_frechet_distance(mu_a, sigma_a, mu_b, sigma_b)
    ours = frechet_distance(
        load_stats(tmp_path / "a.npz").gaussian, load_stats(tmp_path / "b.npz").gaussian
    )
    assert ours == pytest.approx(theirs, rel=1e-6)
    assert load_stats(tmp_path / "a.npz").features.shape == (50, 96)


def test_bad_statistics_are_one_line(tmp_path):
    a, b = feature_sets(dim=8, n=50)
    with pytest.raises(JaxgenError, match="same feature function"):
        frechet_distance(gaussian_stats(a), gaussian_stats(b[:, :4]))
    with pytest.warns(UserWarning, match="of 5 samples with 8 features is biased"):
        frechet_distance(gaussian_stats(a[:5]), gaussian_stats(b))
    save_stats(tmp_path / "s.npz", ReferenceStats(gaussian_stats(a)))
    with pytest.raises(JaxgenError, match="holds statistics of 8 features.*gives 2048"):
        load_stats(tmp_path / "s.npz", dim=2048)
    with pytest.raises(JaxgenError, match="does not exist; write it with"):
        load_stats(tmp_path / "none.npz")
    np.savez(tmp_path / "other.npz", mean=a.mean(0))
    with pytest.raises(JaxgenError, match="lacks `mu` or `sigma`"):
        load_stats(tmp_path / "other.npz")
    np.savez(tmp_path / "wide.npz", mu=a.mean(0), sigma=np.eye(8), features=np.zeros((3, 5)))
    with pytest.raises(JaxgenError, match=r"features \(3, 5\) are not \(n, 8\)"):
        load_stats(tmp_path / "wide.npz")
    (tmp_path / "text.npz").write_text("mu")
    with pytest.raises(JaxgenError, match="is not an .npz of statistics"):
        load_stats(tmp_path / "text.npz")


def test_inception_score_equals_torch_fidelity_and_its_closed_form():
    logits = np.random.default_rng(0).normal(size=(1000, 1008)) * 3
    theirs = torch_fidelity().metric_isc.isc_features_to_metric(
        torch.from_numpy(logits), splits=10, shuffle=False
    )
    ours = inception_score(logits)
    assert ours.mean == pytest.approx(theirs["inception_score_mean"], rel=1e-6)
    assert ours.std == pytest.approx(theirs["inception_score_std"], rel=1e-6)
    # confident predictions spread evenly over C classes: IS = C
    confident = 60.0 * np.eye(10)[np.arange(1000) % 10]
    assert inception_score(confident).mean == pytest.approx(10.0, rel=1e-6)
    assert inception_score(np.zeros((100, 10))).mean == pytest.approx(1.0)


def test_kernel_distance_equals_torch_fidelity():
    a, b = feature_sets(dim=32, n=300, seed=3)
    theirs = torch_fidelity().metric_kid.kid_features_to_metric(
        torch.from_numpy(a),
        torch.from_numpy(b),
        kid_subsets=7,
        kid_subset_size=120,
        rng_seed=5,
        verbose=False,
    )
    ours = kernel_distance(a, b, subsets=7, subset_size=120, seed=5)
    assert ours.mean == pytest.approx(theirs["kernel_inception_distance_mean"], rel=1e-6)
    assert ours.std == pytest.approx(theirs["kernel_inception_distance_std"], rel=1e-6)
    # one distribution: the unbiased estimate averages to about 0, far below two distributions'
    same = kernel_distance(a[:150], a[150:], subsets=20, subset_size=100)
    assert abs(same.mean) < 0.1 * ours.mean


def brute_force_precision_recall(real, fake, k):
    def inside(queries, centres):
        radii = np.sort(cdist(centres, centres), axis=1)[:, k]
        return (cdist(queries, centres) <= radii[None]).any(1).mean()

    return inside(fake, real), inside(real, fake)


def test_precision_recall_on_constructed_sets():
    rng = np.random.default_rng(0)
    modes = np.array([[0.0, 0.0], [10.0, 0.0]])
    real = np.concatenate([m + rng.normal(size=(200, 2)) for m in modes])
    same = precision_recall(real, real.copy())
    assert (same.precision, same.recall) == (1.0, 1.0)
    one_mode = precision_recall(real, modes[0] + rng.normal(size=(400, 2)))
    assert one_mode.precision > 0.95 and 0.4 < one_mode.recall < 0.6
    far = precision_recall(real, rng.normal(size=(300, 2)) + 100)
    assert (far.precision, far.recall) == (0.0, 0.0)
    fake = rng.normal(size=(150, 2)) * 2
    ours = precision_recall(real, fake, k=3, block=64)
    assert (ours.precision, ours.recall) == pytest.approx(
        brute_force_precision_recall(real, fake, 3)
    )
