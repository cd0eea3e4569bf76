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
from pathlib import Path

import jax
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.families.common import Experiment  # noqa: E402
from jaxgen.core import compiler, parallel  # noqa: E402
from jaxgen.core.loop import Task  # noqa: E402
from jaxgen.core.precision import compute_dtype  # noqa: E402
from jaxgen.cyclegan import init_cyclegan_state, make_cyclegan_step, translate  # noqa: E402
from jaxgen.data.batching import ArrayDataset  # noqa: E402
from jaxgen.data.digits import load_digits_arrays  # noqa: E402
from jaxgen.data.unpaired import get_unpaired_dataset, thicken_and_invert  # noqa: E402
from jaxgen.metrics.digits_classifier import (  # noqa: E402
    DigitsClassifier,
    load_digits_classifier,
    train_digits_classifier,
)
from jaxgen.nn.cyclegan import PatchDiscriminator, ResnetGenerator  # noqa: E402
from jaxgen.viz import image_grid  # noqa: E402

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


def build(config) -> Experiment:
    dataset = load_unpaired(config, "train")
    test = load_unpaired(config, "test")
    model = config.model
    shape = tuple(dataset.element_shape)
    generator = ResnetGenerator(shape[-1], model.g_features, model.blocks, model.downsamplings)
    discriminator = PatchDiscriminator(model.d_features, model.d_layers)

    def init_state(seed: int):
        return init_cyclegan_state(
            seed=seed,
            generator=generator,
            discriminator=discriminator,
            shape_a=shape,
            shape_b=shape,
            g_tx=optimizer(config.optim),
            d_tx=optimizer(config.optim),
            pool_size=model.pool_size,
            compute_dtype=compute_dtype(config.train.compute_dtype),
        )

    @compiler.jit
    def translate_batch(state, a, b):
        g_a, f_b = translate(state.g, a), translate(state.f, b)
        return {
            "g_a": g_a,
            "f_g_a": translate(state.f, g_a),
            "f_b": f_b,
            "g_f_b": translate(state.g, f_b),
        }

    def translations(state, images) -> dict[str, np.ndarray]:
        parts = [
            translate_batch(state, images["a"][i : i + EVAL_CHUNK], images["b"][i : i + EVAL_CHUNK])
            for i in range(0, len(images["a"]), EVAL_CHUNK)
        ]
        return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}

    images = evaluation_images(config, test)

    def cycle_errors(t: dict) -> dict[str, float]:
        return {
            "cycle_l1_a": float(np.mean(np.abs(t["f_g_a"] - images["a"]))),
            "cycle_l1_b": float(np.mean(np.abs(t["g_f_b"] - images["b"]))),
        }

    @functools.cache
    def untrained() -> dict[str, float]:
        initial = parallel.init_replicated(lambda: init_state(config.seed), parallel.data_mesh())
        t = translations(initial, images)
        return {f"untrained_{k}": v for k, v in cycle_errors(t).items()}

    def evaluate(state, data) -> dict[str, float]:
        t = translations(state, images)  # once: both metric groups read it
        results = {**cycle_errors(t), **untrained(), **style_metrics(images, t)}
        if config.data.name == "digit_styles":
            results.update(digits_class_metrics(images, t))
        return results

    def write_figures(state, directory: Path, tag: str) -> None:
        rows = {k: v[:FIGURE_ROWS] for k, v in images.items()}
        t = translations(state, rows)
        columns = [rows["a"], t["g_a"], t["f_g_a"], rows["b"], t["f_b"], t["g_f_b"]]
        tiles = np.clip((np.stack(columns, axis=1).reshape(-1, *shape) + 1) / 2, 0, 1)
        grid = image_grid(tiles, columns=len(columns))
        fig, ax = plt.subplots(figsize=(6, 8))
        ax.imshow(grid[..., 0] if shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"a → G(a) → F(G(a)) | b → F(b) → G(F(b)), iteration {int(tag)}", fontsize=9)
        ax.axis("off")
        fig.tight_layout()
        fig.savefig(directory / f"translations_{tag}.png", dpi=100)
        plt.close(fig)

    def sample(state, key: jax.Array, n: int) -> np.ndarray:
        """G(a) for n held-out images of domain A drawn by ``key``."""
        rows = np.asarray(jax.random.choice(key, len(images["a"]), (n,), len(images["a"]) < n))
        t = translations(state, {"a": images["a"][rows], "b": images["b"][rows]})
        return t["g_a"]

    step = make_cyclegan_step(model.adversarial, model.cycle_weight, model.identity_weight)
    task = Task(
        init_state=init_state,
        step=step,
        input_shape=shape,
        evaluate=evaluate,
        write_figures=write_figures,
    )
    return Experiment(task=task, dataset=dataset, sample=sample)
