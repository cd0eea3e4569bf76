"""Build a CycleGAN experiment (Zhu et al. 2017; the lecture's "CycleGAN style transfer").

Data are unpaired two-domain batches (:mod:`jaxgen.data.unpaired`). Evaluation translates
held-out images of both domains: the cycle reconstruction error ‖F(G(a)) − a‖₁ and
‖G(F(b)) − b‖₁ beside that of the untrained networks, and how far each translation's colour
moments are from its target domain's (:func:`moment_gap`); on ``digit_styles`` also whether each
translation keeps its digit's class (F(b) judged by the project's digits classifier; G(a),
whose strokes are thick and inverted, by the same classifier retrained on thickened training
digits and shown −G(a)) and the distance of G(a) to the true restyled digit.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")

from experiments.families.common import Experiment, make_experiment
from experiments.families.evaluation import metric_names
from jaxgen.core import compiler, parallel
from jaxgen.core.precision import compute_dtype
from jaxgen.cyclegan import init_cyclegan_state, make_cyclegan_step, translate
from jaxgen.data.batching import ArrayDataset
from jaxgen.data.digits import load_digits_arrays
from jaxgen.data.unpaired import get_unpaired_dataset, thicken_and_invert
from jaxgen.metrics.digits_classifier import (
    DigitsClassifier,
    load_digits_classifier,
    train_digits_classifier,
)
from jaxgen.metrics.inception import load_inception_variables
from jaxgen.metrics.sample_quality import (
    inception_features,
    reference_statistics,
    sample_quality,
)
from jaxgen.nn.cyclegan import PatchDiscriminator, ResnetGenerator
from jaxgen.viz import save_rows_figure

EVAL_CHUNK = 100  # test images translated per call
FIGURE_ROWS = 8


def optimizer(optim) -> optax.GradientTransformation:
    """Adam(lr, β1, β2), lr constant for ``constant_steps`` updates, then linear to 0 over
    ``decay_steps`` (§4)."""
    lr = optax.join_schedules(
        [
            optax.constant_schedule(optim.lr),
            optax.linear_schedule(optim.lr, 0.0, optim.decay_steps),
        ],
        [optim.constant_steps],
    )
    return optax.adam(lr, optim.b1, optim.b2)


def load_unpaired(config, split: str):
    data = config.data
    return get_unpaired_dataset(
        data.name,
        split=split,
        seed=config.seed,
        image_size=data.image_size,
        photo_scale=data.photo_scale,
        data_dir=data.data_dir or None,
        random_crop=data.random_crop,
        random_flip=data.random_flip,
    )


def evaluation_images(config, test) -> dict[str, np.ndarray]:
    """Held-out images of both domains; for digits every test digit in both styles, aligned
    (``b[i]`` is ``a[i]`` restyled) and labelled."""
    if config.data.name == "digit_styles":
        a, b = test.domain_a.arrays, test.domain_b.arrays
        return {"a": a["x"], "b": b["x"], "label": a["label"]}
    return test.get_batch(0, config.eval.num_samples)


@functools.cache
def thick_digits_classifier() -> DigitsClassifier:
    """The project's classifier retrained (same recipe) on the training digits thickened as
    domain B's are but not inverted, i.e. on −thicken_and_invert(x): it reads −G(a)."""
    train = load_digits_arrays("train")
    thick = {"x": -thicken_and_invert(train["x"]), "label": train["label"]}
    return DigitsClassifier(train_digits_classifier(dataset=ArrayDataset("thick", thick)))


def digits_class_metrics(images: dict, t: dict) -> dict[str, float]:
    label = images["label"]
    thick = thick_digits_classifier()
    plain = load_digits_classifier()
    return {
        "class_kept_a_to_b": float(np.mean(thick.predict(-t["g_a"]) == label)),
        "class_kept_b_to_a": float(np.mean(plain.predict(t["f_b"]) == label)),
        "translation_l1_a_to_b": float(np.mean(np.abs(t["g_a"] - images["b"]))),
        "translation_l1_b_to_a": float(np.mean(np.abs(t["f_b"] - images["a"]))),
        "classifier_accuracy_on_true_b": float(np.mean(thick.predict(-images["b"]) == label)),
    }


def moment_gap(x: np.ndarray, y: np.ndarray) -> float:
    """How far two image sets' colours are apart: the mean over channels c of
    |μ_c(x) − μ_c(y)| + |σ_c(x) − σ_c(y)|, the moments taken over all pixels of the set. A
    translation G: A → B should bring it from gap(a, b) towards 0 for gap(G(a), b)."""
    axes = tuple(range(x.ndim - 1))
    means = np.abs(x.mean(axes) - y.mean(axes))
    stds = np.abs(x.std(axes) - y.std(axes))
    return float(np.mean(means + stds))


def style_metrics(images: dict, t: dict) -> dict[str, float]:
    """The colour-moment gap between the domains, and after each translation."""
    return {
        "moment_gap_a_b": moment_gap(images["a"], images["b"]),
        "moment_gap_g_a_b": moment_gap(t["g_a"], images["b"]),
        "moment_gap_f_b_a": moment_gap(t["f_b"], images["a"]),
    }


@dataclass(frozen=True, kw_only=True)
class TranslationQuality:
    """``eval.metrics`` (FID, IS, KID, precision/recall) by the FID Inception of G(a) against
    domain B's held-out images and of F(b) against domain A's: how the translation papers
    after CycleGAN score unpaired translation (TFDS pairs such as horse2zebra)."""

    config: Any
    images: dict[str, np.ndarray]

    @functools.cached_property
    def judges(self):
        """(the feature function, each domain's reference statistics): loaded once."""
        eval_ = self.config.eval
        variables = load_inception_variables(eval_.inception_weights or None)
        features = inception_features(variables, batch_size=eval_.feature_batch)
        references = {
            domain: reference_statistics([x], features, num_examples=len(x))
            for domain, x in self.images.items()
            if domain in ("a", "b")
        }
        return features, references

    def __call__(self, t: dict) -> dict[str, float]:
        features, references = self.judges
        metrics = metric_names(self.config)
        results = {}
        for name, translated, target in (("g_a_to_b", t["g_a"], "b"), ("f_b_to_a", t["f_b"], "a")):
            quality = sample_quality([translated], features, references[target], metrics=metrics)
            results.update({f"{key}_{name}": value for key, value in quality.items()})
        return results


@dataclass(frozen=True, kw_only=True)
class HeldOut:
    """The held-out images a run is judged and drawn on, and their translations."""

    config: Any
    images: dict[str, np.ndarray]
    init_state: Any  # seed -> a fresh state: the untrained networks' errors are the baseline
    translate: Any  # the compiled translate_batch
    quality: TranslationQuality | None = None  # Inception metrics of the translations

    def translations(self, state, images: dict | None = None) -> dict[str, np.ndarray]:
        """G(a), F(G(a)), F(b) and G(F(b)) for ``images`` (default: all held-out ones)."""
        images = self.images if images is None else images
        parts = [
            self.translate(state, images["a"][i : i + EVAL_CHUNK], images["b"][i : i + EVAL_CHUNK])
            for i in range(0, len(images["a"]), EVAL_CHUNK)
        ]
        return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}

    def cycle_errors(self, t: dict) -> dict[str, float]:
        return {
            "cycle_l1_a": float(np.mean(np.abs(t["f_g_a"] - self.images["a"]))),
            "cycle_l1_b": float(np.mean(np.abs(t["g_f_b"] - self.images["b"]))),
        }

    @functools.cached_property
    def untrained(self) -> dict[str, float]:
        mesh = parallel.data_mesh()
        initial = parallel.init_replicated(lambda: self.init_state(self.config.seed), mesh)
        errors = self.cycle_errors(self.translations(initial))
        return {f"untrained_{k}": v for k, v in errors.items()}

    def evaluate(self, state, data) -> dict[str, float]:
        t = self.translations(state)  # once: every metric group reads it
        results = {**self.cycle_errors(t), **self.untrained, **style_metrics(self.images, t)}
        if self.config.data.name == "digit_styles":
            results.update(digits_class_metrics(self.images, t))
        if self.quality is not None:
            results.update(self.quality(t))
        return results

    def write_figures(self, state, directory: Path, tag: str) -> None:
        """Rows of a → G(a) → F(G(a)) | b → F(b) → G(F(b)) to ``translations_<tag>.png``."""
        rows = {k: v[:FIGURE_ROWS] for k, v in self.images.items()}
        t = self.translations(state, rows)
        save_rows_figure(
            [rows["a"], t["g_a"], t["f_g_a"], rows["b"], t["f_b"], t["g_f_b"]],
            directory / f"translations_{tag}.png",
            title=f"a → G(a) → F(G(a)) | b → F(b) → G(F(b)), iteration {int(tag)}",
            size=(6, 8),
        )

    def sample(self, state, key: jax.Array, n: int) -> np.ndarray:
        """G(a) for n held-out images of domain A drawn by ``key``."""
        count = len(self.images["a"])
        rows = np.asarray(jax.random.choice(key, count, (n,), count < n))
        return self.translations(state, {"a": self.images["a"][rows], "b": self.images["b"][rows]})[
            "g_a"
        ]


def translate_batch(state, a, b):
    """G(a), F(G(a)), F(b) and G(F(b)) of one chunk."""
    g_a, f_b = translate(state.g, a), translate(state.f, b)
    return {
        "g_a": g_a,
        "f_g_a": translate(state.f, g_a),
        "f_b": f_b,
        "g_f_b": translate(state.g, f_b),
    }


def build(config) -> Experiment:
    dataset = load_unpaired(config, "train")
    model, shape = config.model, tuple(dataset.element_shape)
    generator = ResnetGenerator(
        channels=shape[-1],
        features=model.g_features,
        blocks=model.blocks,
        downsamplings=model.downsamplings,
    )
    state_settings = dict(
        generator=generator,
        discriminator=PatchDiscriminator(features=model.d_features, layers=model.d_layers),
        shape_a=shape,
        shape_b=shape,
        g_tx=optimizer(config.optim),
        d_tx=optimizer(config.optim),
        pool_size=model.pool_size,
        compute_dtype=compute_dtype(config.train.compute_dtype),
    )
    init_state = lambda seed: init_cyclegan_state(seed=seed, **state_settings)  # noqa: E731
    images = evaluation_images(config, load_unpaired(config, "test"))
    tfds_pair = config.data.name.startswith("cycle_gan/") and bool(metric_names(config))
    quality = TranslationQuality(config=config, images=images) if tfds_pair else None
    held_out = HeldOut(
        config=config,
        images=images,
        init_state=init_state,
        translate=compiler.jit(translate_batch),
        quality=quality,
    )
    step = make_cyclegan_step(
        objective=model.objective,
        cycle_weight=model.cycle_weight,
        identity_weight=model.identity_weight,
    )
    return make_experiment(
        config,
        dataset,
        init_state=init_state,
        step=step,
        draw=held_out.sample,
        evaluate=held_out.evaluate,
        figures=held_out.write_figures,
        prepare=(lambda: quality.judges) if quality is not None else None,
    )
