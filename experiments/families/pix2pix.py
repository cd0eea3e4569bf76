"""Build a pix2pix experiment (Isola et al. 2017; the lecture's paired translations "BW to
Color" and "Edges to Photo").

Data are paired batches (:mod:`jaxgen.data.paired`). Evaluation translates the held-out
pairs (dropout on, as at training, §3.3; fixed keys) and reports, beside the same scores of
the untrained generator: the L1 distance of the outputs to their targets; for colour targets
their colour-moment gap; the outputs' Fréchet distance to the targets, on ``edges2digits`` by
the project's digits classifier (with the fraction of outputs it reads as the source digit's
class), on other data by the FID Inception (``eval.metrics``), which needs its weights.
Figures are rows of input | output | target.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np

from experiments.families.common import Experiment, make_experiment, preprocessing_of
from experiments.families.cyclegan import moment_gap, optimizer
from experiments.families.evaluation import metric_names
from jaxgen.core import compiler, parallel
from jaxgen.core.precision import compute_dtype
from jaxgen.data.paired import get_paired_dataset
from jaxgen.metrics.digits_classifier import digits_features, load_digits_classifier
from jaxgen.metrics.inception import load_inception_variables
from jaxgen.metrics.sample_quality import (
    inception_features,
    reference_statistics,
    sample_quality,
)
from jaxgen.nn.cyclegan import PatchDiscriminator
from jaxgen.nn.pix2pix import UNetGenerator
from jaxgen.pix2pix import init_pix2pix_state, make_pix2pix_step, translate
from jaxgen.viz import save_rows_figure

EVAL_CHUNK = 100  # held-out inputs translated per call
FIGURE_ROWS = 8
EVAL_KEY = 0xE7A1  # the held-out translations' dropout masks: fixed, so evaluations compare


def load_paired(config, split: str):
    data = config.data
    return get_paired_dataset(
        data.name,
        split=split,
        seed=config.seed,
        data_dir=data.data_dir or None,
        preprocessing=preprocessing_of(data),
        photo_scale=data.photo_scale,
        direction=data.direction,
    )


@dataclass(frozen=True, kw_only=True)
class HeldOutPairs:
    """The held-out pairs a run is judged and drawn on, and their translations."""

    config: Any
    pairs: dict[str, np.ndarray]  # "input", "x" (targets), "label" where known
    init_state: Any  # seed -> a fresh state: the untrained generator's errors are the baseline
    translate: Any  # compiled translate(state, inputs, key)

    def outputs(self, state, inputs: np.ndarray | None = None) -> np.ndarray:
        """G(x) of the held-out inputs (or ``inputs``), chunk i's dropout from
        ``fold_in(key(EVAL_KEY), i)``."""
        inputs = self.pairs["input"] if inputs is None else inputs
        key = jax.random.key(EVAL_KEY)
        chunks = [
            np.asarray(
                self.translate(state, inputs[i : i + EVAL_CHUNK], jax.random.fold_in(key, n))
            )
            for n, i in enumerate(range(0, len(inputs), EVAL_CHUNK))
        ]
        return np.concatenate(chunks)

    def l1(self, outputs: np.ndarray) -> float:
        """mean |G(x) − y| over the held-out pairs' pixels, in the data's [−1, 1] units."""
        return float(np.mean(np.abs(outputs - self.pairs["x"])))

    @functools.cached_property
    def untrained(self) -> dict[str, float]:
        """The untrained generator's scores, prefixed ``untrained_``: the baseline."""
        mesh = parallel.data_mesh()
        initial = parallel.init_replicated(lambda: self.init_state(self.config.seed), mesh)
        return {f"untrained_{k}": v for k, v in self.scores(self.outputs(initial)).items()}

    @functools.cached_property
    def judge(self):
        """(feature function, the held-out targets' statistics), or None without metrics."""
        if self.config.data.name == "edges2digits":
            features = digits_features
        elif metric_names(self.config):
            eval_ = self.config.eval
            variables = load_inception_variables(eval_.inception_weights or None)
            features = inception_features(variables, batch_size=eval_.feature_batch)
        else:
            return None
        targets = self.pairs["x"]
        return features, reference_statistics([targets], features, num_examples=len(targets))

    def evaluate(self, state, data) -> dict[str, float]:
        return {**self.scores(self.outputs(state)), **self.untrained}

    def scores(self, outputs: np.ndarray) -> dict[str, float]:
        """L1 to the targets; for colour targets the colour-moment gap (CycleGAN's
        :func:`~experiments.families.cyclegan.moment_gap`; greyish outputs, which L1 favours,
        leave it wide); the Fréchet distance (and ``eval.metrics``) to the targets; for digits
        the fraction read as the source's class."""
        results = {"l1": self.l1(outputs)}
        if outputs.shape[-1] == 3:
            results["moment_gap_to_targets"] = moment_gap(outputs, self.pairs["x"])
        if self.judge is not None:
            features, reference = self.judge
            digits = features is digits_features
            metrics = ("fid",) if digits else metric_names(self.config)
            quality = sample_quality([outputs], features, reference, metrics=metrics)
            for key, value in quality.items():  # the digits' distance is the classifier's
                name = "frechet_distance" if digits and key == "fid" else key
                results[f"{name}_to_targets"] = value
        if "label" in self.pairs:
            predicted = load_digits_classifier().predict(outputs)
            results["label_accuracy"] = float(np.mean(predicted == self.pairs["label"]))
        return results

    def write_figures(self, state, directory: Path, tag: str) -> None:
        """Rows of input | output | target to ``translations_<tag>.png``."""
        inputs, targets = self.pairs["input"][:FIGURE_ROWS], self.pairs["x"][:FIGURE_ROWS]
        save_rows_figure(
            [inputs, self.outputs(state, inputs), targets],
            directory / f"translations_{tag}.png",
            title=f"input | output | target\niteration {int(tag)}",
        )

    def sample(self, state, key: jax.Array, n: int) -> np.ndarray:
        """G(x) for n held-out inputs drawn by ``key``."""
        count = len(self.pairs["input"])
        rows = np.asarray(jax.random.choice(key, count, (n,), count < n))
        return self.outputs(state, self.pairs["input"][rows])


def held_out_pairs(config) -> dict[str, np.ndarray]:
    test = load_paired(config, "test")
    return test.examples(0, min(test.num_examples, config.eval.num_samples))


def build(config) -> Experiment:
    dataset = load_paired(config, "train")
    model = config.model
    target_shape, input_shape = tuple(dataset.element_shape), tuple(dataset.input_shape)
    state_settings = dict(
        generator=UNetGenerator(
            channels=target_shape[-1],
            features=model.g_features,
            dropout_layers=model.dropout_layers,
            dropout=model.dropout,
        ),
        discriminator=PatchDiscriminator(features=model.d_features, layers=model.d_layers),
        input_shape=input_shape,
        target_shape=target_shape,
        g_tx=optimizer(config.optim),
        d_tx=optimizer(config.optim),
        compute_dtype=compute_dtype(config.train.compute_dtype),
    )
    init_state = lambda seed: init_pix2pix_state(seed=seed, **state_settings)  # noqa: E731
    held_out = HeldOutPairs(
        config=config,
        pairs=held_out_pairs(config),
        init_state=init_state,
        translate=compiler.jit(translate),
    )
    step = make_pix2pix_step(
        objective=model.objective,
        l1_weight=model.l1_weight,
        adversarial_weight=model.adversarial_weight,
    )
    return make_experiment(
        config,
        dataset,
        init_state=init_state,
        step=step,
        draw=held_out.sample,
        evaluate=held_out.evaluate,
        figures=held_out.write_figures,
        prepare=lambda: held_out.judge,
    )
