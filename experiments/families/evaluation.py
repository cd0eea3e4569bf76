"""How every family judges its samples: toy data by its exact density, the digits by the
project's classifier, any other images by the FID Inception against the dataset's reference
statistics, all through :func:`jaxgen.metrics.sample_quality.sample_quality` with the config's
``eval`` settings (``num_samples`` drawn ``sample_batch`` at a time from the fixed key
``seed + 1``; ``metrics``; the Inception's weights and the reference statistics). A
class-conditional model's sample i is drawn for class i mod C; on the digits the classifier
also reports how often it reads the requested class, and per-class Fréchet distances."""

from __future__ import annotations

import functools
from collections.abc import Callable

import jax
import numpy as np

from experiments.families.common import preprocessing_of
from jaxgen.data.digits import load_digits_arrays
from jaxgen.data.toy import DENSITIES, GaussianMixture, ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.metrics.digits_classifier import (
    NUM_CLASSES,
    class_histogram,
    digits_features,
    load_digits_classifier,
)
from jaxgen.metrics.inception import load_inception_variables
from jaxgen.metrics.modes import mode_coverage
from jaxgen.metrics.reference_stats import cached_reference, feature_tag
from jaxgen.metrics.sample_quality import (
    check_metrics,
    check_reference,
    inception_features,
    reference_statistics,
    sample_quality,
)
from jaxgen.metrics.statistics import ReferenceStats, load_stats
from jaxgen.nn.labels import requested_labels
from jaxgen.training.sampling import draw_in_chunks

# the digits' results are named for what they compare with (the classifier, not Inception)
DIGITS_NAMES = {
    "fid": "frechet_distance_to_test",
    "inception_score": "classifier_score",
    "inception_score_std": "classifier_score_std",
    "kid": "kernel_distance_to_test",
    "kid_std": "kernel_distance_to_test_std",
}


# the fewest samples each metric reads: the IS's 10 splits, KID's pairs, PR's 3 neighbours
FEWEST_SAMPLES = {"fid": 2, "is": 10, "kid": 2, "pr": 4}


def metric_names(config) -> tuple[str, ...]:
    """``eval.metrics`` ("fid,is,kid"; "" for none) as a checked tuple, each metric given
    enough samples (``eval.num_samples``), drawn and judged in positive chunks."""
    for key in ("sample_batch", "feature_batch"):
        if config.eval[key] < 1:
            raise JaxgenError(f"--config.eval.{key}={config.eval[key]}: give at least 1 per call")
    metrics = check_metrics(m.strip() for m in config.eval.metrics.split(",") if m.strip())
    for metric in metrics:
        if config.eval.num_samples < FEWEST_SAMPLES[metric]:
            raise JaxgenError(
                f"--config.eval.num_samples={config.eval.num_samples} is too few for {metric} "
                f"(it needs at least {FEWEST_SAMPLES[metric]}); draw more or drop it from "
                "--config.eval.metrics"
            )
    return metrics


class SampleEvaluation:
    """``evaluate(state, data)``: ``config.eval.num_samples`` samples judged as the module
    docstring says, plus ``extra(state, data)`` if given. :meth:`prepare` loads what the
    judging reads (Inception weights, reference statistics) before training starts, so a
    missing file stops a run at once rather than at its first evaluation."""

    def __init__(
        self,
        config,
        draw: Callable,
        extra: Callable | None = None,
        *,
        num_classes: int = 0,
        classes: tuple[int, ...] | None = None,
    ):
        self.config, self.draw, self.extra = config, draw, extra
        self.num_classes, self.classes = num_classes, classes
        cycle = len(classes) if classes else num_classes
        if num_classes and config.eval.sample_batch % cycle:
            raise JaxgenError(
                f"--config.eval.sample_batch={config.eval.sample_batch} must be a multiple of "
                f"the {cycle} requested classes, so that every chunk requests them in turn; "
                f"set it to {max(1, config.eval.sample_batch // cycle) * cycle}"
            )
        name = config.data.name
        self.kind = "toy" if name in DENSITIES else "digits" if name == "digits" else "images"
        self.metrics = () if self.kind == "toy" else metric_names(config)
        self._judge = None

    def prepare(self) -> None:
        if self._judge is None and self.kind == "images" and self.metrics:
            self._judge = image_judge(self.config, self.metrics)

    def __call__(self, state, data) -> dict:
        results = self.extra(state, data) if self.extra is not None else {}
        eval_ = self.config.eval
        key = jax.random.key(self.config.seed + 1)
        if self.kind == "toy":
            samples = self.draw(state, key, eval_.num_samples)
            return {**toy_metrics(samples, data), **results}
        if self.kind == "images" and not self.metrics:
            return results  # no metric of samples asked for: none are drawn
        chunks = draw_in_chunks(self.draw, state, key, eval_.num_samples, eval_.sample_batch)
        if self.kind == "digits":
            samples = np.concatenate(list(chunks))
            if self.num_classes:
                wanted = requested_labels(len(samples), self.num_classes, self.classes)
                results = {**conditional_digits_metrics(samples, wanted), **results}
            return {**digits_metrics(samples, self.metrics), **results}
        self.prepare()
        return {**self._judge(chunks), **results}


def image_judge(config, metrics: tuple[str, ...]) -> Callable:
    """``judge(chunks) -> results`` by the FID Inception against the reference statistics."""
    eval_ = config.eval
    variables = load_inception_variables(eval_.inception_weights or None)
    features = inception_features(variables, batch_size=eval_.feature_batch)
    reference = load_reference(config, features)
    check_reference(reference, metrics)
    return lambda chunks: sample_quality(chunks, features, reference, metrics=metrics)


def load_reference(config, features) -> ReferenceStats:
    """``eval.reference_stats`` if given; else the dataset's ``eval.reference_split``
    statistics from jaxgen's cache, computed and cached on first use."""
    if config.eval.reference_stats:
        return load_stats(config.eval.reference_stats, dim=2048)
    data = config.data
    return cached_reference(
        data.name,
        split=config.eval.reference_split,
        features=features,
        tag=feature_tag(data.name, config.eval.inception_weights or None),
        data_dir=data.get("data_dir") or None,
        preprocessing=preprocessing_of(data),
        channels=data.get("channels", 3),
        dim=2048,
        progress=config.train.progress,
    )


@functools.cache
def digits_reference() -> ReferenceStats:
    """The classifier's statistics of the held-out test digits, and their features."""
    test = load_digits_arrays("test")["x"]
    return reference_statistics([test], digits_features, num_examples=len(test))


@functools.cache
def train_to_test_digits_distance() -> float:
    """The Fréchet distance between the train and test digits: the floor the samples' distance
    is read against (fixed data, so computed once per process)."""
    train = load_digits_arrays("train")["x"]
    return sample_quality([train], digits_features, digits_reference(), metrics=("fid",))["fid"]


def digits_metrics(samples: np.ndarray, metrics: tuple[str, ...] = ("fid",)) -> dict:
    """The project's digits classifier on the samples: class histogram, and ``metrics``
    against the held-out test digits (named by :data:`DIGITS_NAMES`), beside the train-to-test
    Fréchet distance as the reference."""
    histogram = class_histogram(samples)
    results = {"class_histogram": histogram.tolist(), "classes_present": int((histogram > 0).sum())}
    if metrics:
        quality = sample_quality([samples], digits_features, digits_reference(), metrics=metrics)
        results.update({DIGITS_NAMES.get(k, k): v for k, v in quality.items()})
    if "fid" in metrics:
        results["frechet_distance_train_to_test"] = train_to_test_digits_distance()
    return results


@functools.cache
def class_reference(label: int) -> ReferenceStats:
    """The classifier's statistics of every digit (train and test) of class ``label``: each
    class's reference set (fixed data, so computed once per process)."""
    digits = load_digits_arrays("all")
    mine = digits["x"][digits["label"] == label]
    return reference_statistics([mine], digits_features, num_examples=len(mine))


def conditional_digits_metrics(samples: np.ndarray, wanted: np.ndarray) -> dict:
    """How well samples drawn for the classes ``wanted`` match them, by the project's
    classifier: the fraction it reads as the requested class (overall and per class), and each
    class's Fréchet distance to every digit of that class (about 180 each), with their mean."""
    predicted = load_digits_classifier().predict(samples)
    per_class_accuracy, per_class_distance = [], []
    for label in range(NUM_CLASSES):
        mine = wanted == label
        if not mine.any():  # a class not requested
            per_class_accuracy.append(None)
            per_class_distance.append(None)
            continue
        per_class_accuracy.append(float(np.mean(predicted[mine] == label)))
        if mine.sum() < 2:  # a Fréchet distance needs two samples
            per_class_distance.append(None)
            continue
        quality = sample_quality(
            [samples[mine]], digits_features, class_reference(label), metrics=("fid",)
        )
        per_class_distance.append(quality["fid"])
    return {
        "label_accuracy": float(np.mean(predicted == wanted)),
        "per_class_accuracy": per_class_accuracy,
        "per_class_frechet_distance": per_class_distance,
        "mean_per_class_frechet_distance": float(
            np.mean([d for d in per_class_distance if d is not None])
        ),
    }


def toy_metrics(samples: np.ndarray, data: ToyDataset) -> dict[str, float]:
    """The samples' mean NLL under the data's exact density, and for Gaussian mixtures the
    modes captured and the high-quality fraction (VEEGAN/PacGAN definitions)."""
    results = {"nll_of_samples_under_data": float(-np.mean(data.log_prob(samples)))}
    if isinstance(data.density, GaussianMixture):
        coverage = mode_coverage(samples, data.density.means, float(data.density.stds[0]))
        results["modes_captured"] = coverage.modes_captured
        results["num_modes"] = coverage.num_modes
        results["high_quality_fraction"] = coverage.high_quality_fraction
    return results
