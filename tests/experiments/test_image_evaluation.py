"""A DDPM on CIFAR-10 (mock TFDS data, a tiny U-Net, random Inception weights) reports FID, IS
and KID in eval.jsonl and TensorBoard against reference statistics computed once into the
cache; its workdir is sampled in chunks to uint8 arr_0 and PNGs, and sampled or evaluated by
another sampler than it trained with; missing weights stop the run before it writes."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from PIL import Image

from experiments.train import build_experiment, evaluate, sample, train_and_evaluate
from jaxgen.errors import JaxgenError
from jaxgen.training.workdir import read_journal
from tests.conftest import short_config
from tests.training.test_tensorboard import by_tag, read_events


def cifar_config(weights):
    config = short_config(
        "diffusion.cifar10",
        num_steps=2,
        every=2,
        num_timesteps=25,
        channels=8,
        multipliers=(1,),
        blocks=1,
        attention_at=(),
        groups=4,
        dropout=0.0,
    )
    config.data.batch_size = 4
    config.optim.warmup_steps = 0
    config.train.eval_every = 2
    config.eval.num_samples = 12
    config.eval.sample_batch = 8  # two chunks, the second trimmed
    config.eval.feature_batch = 12
    config.eval.inception_weights = str(weights)
    return config


def test_cifar10_ddpm_reports_fid_is_kid_and_samples_as_papers_do(
    inception_weights, tmp_path, monkeypatch
):
    # the cache moved for this test only ($JAXGEN_CACHE_DIR would also move the kernels')
    monkeypatch.setattr("jaxgen.metrics.reference_stats.cache_dir", lambda: tmp_path / "cache")
    workdir = tmp_path / "run"
    config = cifar_config(inception_weights)
    with tfds.testing.mock_data(num_examples=16):
        results = train_and_evaluate(config, workdir)
        (reference,) = (tmp_path / "cache" / "reference_stats").glob("cifar10-train*.npz")
        with np.load(reference) as stored:
            assert stored["mu"].shape == (2048,) and stored["sigma"].shape == (2048, 2048)
            assert int(stored["num_samples"]) == 16 and stored["features"].shape == (16, 2048)
        for key in ("fid", "inception_score", "kid", "kid_std"):
            assert np.isfinite(results[key]), key
        assert results["fid"] > 0 and 1 <= results["inception_score"] <= 1008
        (row,) = read_journal(workdir / "eval.jsonl")
        assert row["iteration"] == 2 and row["fid"] == results["fid"]
        scalars, _ = by_tag(read_events(workdir / "tensorboard"))
        assert scalars["eval/fid"][2] == pytest.approx(results["fid"], rel=1e-6)

        path = sample(config, workdir, 11, png=True, progress=False)
        with np.load(path) as stored:
            images = stored["arr_0"]
        assert images.dtype == np.uint8 and images.shape == (11, 32, 32, 3)
        pngs = sorted((workdir / "samples").glob("*.png"))
        assert len(pngs) == 11
        np.testing.assert_array_equal(np.asarray(Image.open(pngs[10])), images[10])
        sample(config, workdir, 9, progress=False)  # the first 9 of the same draw
        with np.load(path) as stored:
            np.testing.assert_array_equal(stored["arr_0"], images[:9])

        ddim = cifar_config(inception_weights)
        ddim.model.sampler, ddim.model.sample_steps, ddim.eval.num_samples = "ddim", 4, 10
        other = evaluate(ddim, workdir)
        assert np.isfinite(other["fid"]) and other["fid"] != results["fid"]
        assert len(read_journal(workdir / "eval.jsonl")) == 2


def test_missing_inception_weights_stop_the_run_before_it_writes(tmp_path, monkeypatch):
    monkeypatch.delenv("JAXGEN_INCEPTION_WEIGHTS", raising=False)
    config = cifar_config("")
    with (
        tfds.testing.mock_data(num_examples=16),
        pytest.raises(JaxgenError, match="no Inception weights are given.*pt_inception"),
    ):
        train_and_evaluate(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    config.eval.inception_weights = str(tmp_path / "nowhere.pth")
    with (
        tfds.testing.mock_data(num_examples=16),
        pytest.raises(JaxgenError, match="nowhere.pth do not exist"),
    ):
        train_and_evaluate(config, tmp_path / "run")


def test_reference_statistics_of_another_size_are_refused(inception_weights, tmp_path):
    stats = tmp_path / "digits.npz"
    np.savez(stats, mu=np.zeros(64), sigma=np.eye(64))
    config = cifar_config(inception_weights)
    config.eval.reference_stats = str(stats)
    with (
        tfds.testing.mock_data(num_examples=16),
        pytest.raises(JaxgenError, match="holds statistics of 64 features.*gives 2048"),
    ):
        train_and_evaluate(config, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    np.savez(stats, mu=np.zeros(2048), sigma=np.eye(2048))  # as pytorch-fid publishes them
    with (
        tfds.testing.mock_data(num_examples=16),
        pytest.raises(JaxgenError, match="kid read the reference.s feature vectors.*`metrics`"),
    ):
        train_and_evaluate(config, tmp_path / "run")
    config.eval.metrics = "fid,is"
    with tfds.testing.mock_data(num_examples=16):
        experiment = build_experiment(config)
        experiment.prepare()  # FID and IS need only mu and sigma


def test_too_few_samples_for_a_metric_are_refused_when_built():
    config = short_config("gan.digits", num_steps=1)
    config.eval.num_samples = 5
    with pytest.raises(JaxgenError, match=r"num_samples=5 is too few for is \(it needs at least"):
        build_experiment(config)
    config.eval.metrics = "fid,kid"
    build_experiment(config)
    config.eval.sample_batch = 0
    with pytest.raises(JaxgenError, match=r"--config.eval.sample_batch=0: give at least 1"):
        build_experiment(config)
