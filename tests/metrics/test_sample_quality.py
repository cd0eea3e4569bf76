"""Metrics of samples streamed in chunks: the same numbers as all at once, any feature
function, bounded memory at 10,000 Inception-sized features, and the score command on a
samples file (good and bad)."""

import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from jaxgen.data.digits import load_digits_arrays
from jaxgen.data.images import to_uint8
from jaxgen.errors import JaxgenError
from jaxgen.metrics.frechet import frechet_distance, gaussian_stats
from jaxgen.metrics.sample_quality import SampleFeatures, reference_statistics, sample_quality
from jaxgen.metrics.statistics import ReferenceStats, save_stats
from tests.conftest import ROOT


def projection(dim: int, classes: int = 10, seed: int = 0):
    """A user's feature function: a fixed random projection of the flattened samples."""
    rng = np.random.default_rng(seed)
    cache = {}

    def features(x: np.ndarray) -> SampleFeatures:
        flat = x.reshape(len(x), -1)
        if "w" not in cache:
            cache["w"] = rng.normal(size=(flat.shape[1], dim)) / flat.shape[1] ** 0.5
            cache["c"] = rng.normal(size=(dim, classes))
        f = np.tanh(flat @ cache["w"])
        return SampleFeatures(f, f @ cache["c"])

    return features


def test_chunks_give_the_numbers_of_all_at_once():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(300, 6, 6, 1)), rng.normal(size=(250, 6, 6, 1)) + 0.2
    features = projection(16)
    reference = reference_statistics(
        (real[i : i + 64] for i in range(0, 300, 64)), features, num_examples=300, keep=100
    )
    assert reference.features.shape == (100, 16)  # every 3rd of 300
    np.testing.assert_allclose(reference.features, features(real).features[::3], rtol=1e-6)
    chunked = sample_quality((fake[i : i + 7] for i in range(0, 250, 7)), features, reference)
    whole = sample_quality([fake], features, reference)
    names = {"fid", "inception_score", "inception_score_std", "kid", "kid_std"}
    assert chunked.keys() == whole.keys() == names | {"precision", "recall"}
    for key in whole:
        assert chunked[key] == pytest.approx(whole[key], rel=1e-9), key
    expected = frechet_distance(gaussian_stats(features(fake).features), reference.gaussian)
    assert whole["fid"] == pytest.approx(expected, rel=1e-9)
    pr = sample_quality([fake], features, reference, metrics=("pr",))
    assert set(pr) == {"precision", "recall"} and 0 <= pr["precision"] <= 1
    with pytest.raises(JaxgenError, match="unknown sample metric 'lpips'"):
        sample_quality([fake], features, reference, metrics=("lpips",))
    no_vectors = ReferenceStats(reference.gaussian)
    with pytest.raises(JaxgenError, match="kid read the reference.s feature vectors, which these"):
        sample_quality([fake], features, no_vectors, metrics=("fid", "kid"))


def test_fid_of_10000_inception_sized_features_stays_in_bounded_memory():
    """FID streams: 10,000 samples of 2048 features in chunks of 500 allocate far less than
    the 2 GiB the issue allows (the float32 features alone would be 80 MB, float64 160 MB)."""
    rng = np.random.default_rng(0)
    basis = rng.normal(size=(64, 2048)).astype(np.float32)

    def features(x):
        return SampleFeatures(np.tanh(x @ basis))

    reference = ReferenceStats(gaussian_stats(features(rng.normal(size=(3000, 64))).features))
    chunks = (rng.normal(size=(500, 64)).astype(np.float32) for _ in range(20))
    tracemalloc.start()
    results = sample_quality(chunks, features, reference, metrics=("fid",))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.isfinite(results["fid"])
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def run_score(*args):
    return subprocess.run(
        [sys.executable, "-m", "jaxgen.metrics.score", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_score_command_on_a_samples_file(tmp_path):
    digits = load_digits_arrays("train")["x"][:300]
    np.savez(tmp_path / "samples.npz", arr_0=to_uint8(digits))
    proc = run_score(f"--samples={tmp_path / 'samples.npz'}", "--dataset=digits", "--split=test")
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    noise = np.random.default_rng(0).integers(0, 256, digits.shape, dtype=np.uint8)
    np.savez(tmp_path / "noise.npz", arr_0=noise)
    proc = run_score(f"--samples={tmp_path / 'noise.npz'}", "--dataset=digits", "--split=test")
    of_noise = json.loads(proc.stdout.strip().splitlines()[-1])
    assert 0 < 10 * results["fid"] < of_noise["fid"]  # real digits are near, noise far
    assert results["inception_score"] > 5 > of_noise["inception_score"]  # and varied
    stats = tmp_path / "stats.npz"
    save_stats(stats, ReferenceStats(gaussian_stats(np.zeros((10, 3)) + np.arange(3))))
    for samples, fragment in [
        (np.zeros((4, 8, 8, 1), np.float64), "arr_0 is float64 (4, 8, 8, 1); give uint8 images"),
        (np.zeros((4, 8, 8, 2), np.uint8), "arr_0 is uint8 (4, 8, 8, 2)"),
    ]:
        np.savez(tmp_path / "bad.npz", arr_0=samples)
        proc = run_score(f"--samples={tmp_path / 'bad.npz'}", f"--reference={stats}")
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and fragment in lines[0], proc.stderr
    np.savez(tmp_path / "x.npz", x=to_uint8(digits))
    proc = run_score(f"--samples={tmp_path / 'x.npz'}", f"--reference={stats}")
    assert proc.returncode == 2 and "is not a samples .npz with key arr_0" in proc.stderr


def test_reference_stats_command_writes_pytorch_fid_statistics(tmp_path):
    out = tmp_path / "digits_test.npz"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "jaxgen.metrics.reference_stats",
            "--dataset=digits",
            "--split=test",
            f"--out={out}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    with np.load(out) as stored:
        assert stored["mu"].shape == (64,) and stored["sigma"].shape == (64, 64)
        assert stored["features"].shape == (355, 64) and int(stored["num_samples"]) == 355
    from jaxgen.metrics.digits_classifier import digits_features

    test = load_digits_arrays("test")["x"]
    expected = gaussian_stats(digits_features(test).features)
    with np.load(out) as stored:
        np.testing.assert_allclose(stored["mu"], expected.mean, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(stored["sigma"], expected.cov, rtol=1e-6, atol=1e-9)
    proc = subprocess.run(
        [sys.executable, "-m", "jaxgen.metrics.reference_stats", "--dataset=cifar10"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "JAXGEN_INCEPTION_WEIGHTS"},
    )
    assert proc.returncode == 2 and proc.stderr.startswith("error: no Inception weights")
    assert "--inception_weights" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_reference_statistics_are_cached_per_dataset_split_preprocessing_and_folder(tmp_path):
    from jaxgen.data.images import Preprocessing
    from jaxgen.metrics.reference_stats import reference_path

    sized = Preprocessing(image_size=32)

    def path(name, preprocessing, features="inception-a", **folder):
        return reference_path(name, "train", preprocessing, features=features, **folder)

    paths = {
        path("cifar10", sized),
        reference_path("cifar10", "test", sized, features="inception-a"),
        path("cifar10", sized, features="inception-b"),  # other weights
        path("cifar10", Preprocessing()),
        path("celeb_a", Preprocessing(center_crop=108, image_size=64)),
        path("folder", sized, data_dir=str(tmp_path / "a")),
        path("folder", sized, data_dir=str(tmp_path / "a"), channels=1),
        path("folder", sized, data_dir=str(tmp_path / "b")),
    }
    assert len(paths) == 8
    assert path("folder", sized, data_dir=str(tmp_path / "a")) == path(
        "folder", sized, data_dir=str(tmp_path / "x" / ".." / "a")
    )
