"""What every family builder returns, and what the families share: the config → dataset
translation, the sampler, the sample figures, the optimiser (the evaluation of samples is
:mod:`experiments.families.evaluation`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax

from jaxgen.core import compiler
from jaxgen.data import get_dataset
from jaxgen.data.images import Preprocessing
from jaxgen.data.toy import ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.nn.mlp import TimeConditionedMLP
from jaxgen.nn.unet import UNet
from jaxgen.training.loop import Task
from jaxgen.viz import grid_over, save_density_figure, save_samples_figure


@dataclass(frozen=True)
class Experiment:
    """A task for the loop, its training data, and ``sample(state, key, n)`` in data space
    (toy data as (n, d); images as (n, H, W, C) in [-1, 1])."""

    task: Task
    dataset: Any
    sample: Callable[[Any, jax.Array, int], np.ndarray]
    # loads what the evaluation reads (weights, reference statistics) before a run starts
    prepare: Callable[[], Any] | None = None
    # the test log-likelihood by the model's ODE (``--mode=likelihood``); None: it has none
    likelihood: Callable[[Any], dict] | None = None


def make_experiment(
    config,
    dataset,
    *,
    init_state: Callable[[int], Any],
    step: Callable,
    draw: Callable[[Any, jax.Array, int], np.ndarray],
    evaluate: Callable[[Any, Any], dict],
    figures: str | Callable,
    sub_batches: int | None = None,
    prepare: Callable[[], Any] | None = None,
    likelihood: Callable[[Any], dict] | None = None,
) -> Experiment:
    """The experiment of a family's parts: its task's example shape is the dataset's, and its
    figures are ``figures(state, directory, tag)``, or, given a title, ``draw``'s samples.
    ``prepare()`` loads what ``evaluate`` reads, before a run starts; ``likelihood(state)``
    is the test log-likelihood of a model with an ODE."""
    task = Task(
        init_state=init_state,
        step=step,
        input_shape=tuple(dataset.element_shape),
        sub_batches=sub_batches,
        evaluate=evaluate,
        write_figures=(
            sample_figure_writer(config, dataset, draw, figures)
            if isinstance(figures, str)
            else figures
        ),
    )
    return Experiment(
        task=task, dataset=dataset, sample=draw, prepare=prepare, likelihood=likelihood
    )


def compiled_sampler(sample: Callable[[Any, jax.Array, int], jax.Array]):
    """``draw(state, key, n)``: ``sample`` compiled (``n`` static), as a NumPy array."""
    compiled = compiler.jit(sample, static_argnums=2)
    return lambda state, key, n: np.asarray(compiled(state, key, n))


def preprocessing_of(data) -> Preprocessing:
    """The image steps a ``config.data`` section sets (crops, resize, flips)."""
    steps = ("center_crop", "image_size", "random_crop", "random_flip")
    return Preprocessing(**{key: data[key] for key in steps if key in data})


def load_dataset(config, split: str = "train"):
    """The dataset ``config.data`` describes (name, seed, and image options where given)."""
    data = config.data
    options = {key: data[key] for key in ("data_dir", "channels") if key in data}
    return get_dataset(
        data.name, split=split, seed=config.seed, preprocessing=preprocessing_of(data), **options
    )


def pixel_levels(config, data_shape: tuple[int, ...], model: str) -> int | None:
    """``config.data.levels`` (None for continuous data), which images need: a density model
    dequantizes their discrete values (``model`` names it in the error)."""
    levels = config.data.levels or None
    if levels is None and len(data_shape) > 1:
        raise JaxgenError(
            f"{model} on images needs --config.data.levels (pixel values per channel) to "
            "dequantize them; set it"
        )
    return levels


def held_out_batch(test, n: int) -> dict:
    """The first ``n`` examples of a test split: from its arrays when it is in memory (the
    digits), else its first batch of ``n``."""
    arrays = getattr(test, "arrays", None)
    if arrays is not None:
        return {key: value[:n] for key, value in arrays.items()}
    return test.get_batch(0, n)


def checked_classes(config, dataset) -> int:
    """``config.model.num_classes`` (0: an unconditional model), checked against the labels
    the dataset yields."""
    wanted = config.model.num_classes
    if not wanted:
        for key in ("sample_classes", "guidance"):  # settings of conditional sampling alone
            if config.model.get(key):
                raise JaxgenError(
                    f"--config.model.{key}={config.model[key]!r} asks an unconditional model "
                    "for classes; set --config.model.num_classes (and train with labels) or "
                    f"leave {key} unset"
                )
        return 0
    have = getattr(dataset, "num_classes", None)
    if have is None:
        raise JaxgenError(
            f"--config.model.num_classes={wanted} asks for a class-conditional model, but "
            f"{dataset.name} has no labels; use a labelled dataset (digits, mnist, "
            "fashion_mnist, cifar10, a folder of class subfolders) or num_classes=0"
        )
    if have != wanted:
        raise JaxgenError(
            f"--config.model.num_classes={wanted}, but {dataset.name} has {have} classes; "
            f"set --config.model.num_classes={have}"
        )
    return wanted


def sample_classes(model) -> tuple[int, ...] | None:
    """``model.sample_classes`` ("3" or "3,5"; "" for every class) as class indices."""
    text = model.sample_classes.strip()
    if not text:
        return None
    try:
        return tuple(int(c) for c in text.split(","))
    except ValueError:
        raise JaxgenError(
            f"--config.model.sample_classes={text!r}: give class indices separated by commas"
        ) from None


def sample_figure_writer(config, dataset, sample: Callable, title: str):
    """``write_figures(state, directory, tag)`` for the loop: samples from the fixed key
    ``seed + 1`` (all evaluation samples for toy data, over the data in grey; up to 100
    images otherwise) drawn to ``directory/samples_<tag>.png``."""

    def write_figures(state, directory: Path, tag: str) -> None:
        toy = isinstance(dataset, ToyDataset)
        n = config.eval.num_samples if toy else min(100, config.eval.num_samples)
        samples = np.asarray(sample(state, jax.random.key(config.seed + 1), n))
        if samples.ndim == 4:
            samples = np.clip((samples + 1) / 2, 0, 1)
        save_samples_figure(
            samples,
            directory / f"samples_{tag}.png",
            title=f"{title}, iteration {int(tag)}",
            reference=dataset.test_set(n) if toy else None,
        )

    return write_figures


def density_figure_writer(
    config, dataset: ToyDataset, log_density, draw, sample_figures, grid_size: int = 200
):
    """``write_figures`` for 2-D toy data: the sample figure, and ``density_<tag>.png`` with
    the data's exact density beside the model's ``log_density(state, x)`` on a ``grid_size``
    x ``grid_size`` grid over the test set, and the model's samples; the title gives the
    model density's grid integral."""
    grid, extent, cell = grid_over(dataset.test_set(config.eval.num_samples), grid_size)
    size = int(np.sqrt(len(grid)))

    @functools.cache
    def exact() -> np.ndarray:  # seconds of numpy for the curve densities: only when drawn
        return np.exp(dataset.log_prob(grid)).reshape(size, size)

    def write_figures(state, directory, tag: str) -> None:
        sample_figures(state, directory, tag)
        model = np.exp(np.asarray(log_density(state, grid))).reshape(size, size)
        save_density_figure(
            {f"data: {config.data.name}": exact(), "model p_X": model},
            extent,
            draw(state, jax.random.key(config.seed + 1), config.eval.num_samples),
            directory / f"density_{tag}.png",
            title=f"iteration {int(tag)}, ∫ p_X over the grid = {model.sum() * cell:.3f}",
        )

    return write_figures


def time_conditioned_net(
    model, data_shape: tuple[int, ...], num_classes: int = 0, outputs: int = 1
):
    """The time-conditioned network of the diffusion and flow-matching families: the MLP for
    vectors (``model.hidden``, ``model.embedding``; toy data have no labels, which
    ``checked_classes`` refuses), the DDPM U-Net for images (class-conditional when
    ``num_classes`` > 0); ``outputs`` x-shaped outputs (2 with a learned variance)."""
    if len(data_shape) == 1:
        return TimeConditionedMLP(
            hidden=tuple(model.hidden), embedding=model.embedding, outputs=outputs
        )
    return UNet(
        channels=model.channels,
        multipliers=tuple(model.multipliers),
        blocks=model.blocks,
        attention_at=tuple(model.attention_at),
        dropout=model.dropout,
        groups=model.groups,
        num_classes=num_classes,
        outputs=outputs,
    )


def warmed_up_adam(optim) -> optax.GradientTransformation:
    """Adam after gradient clipping at global norm ``optim.clip_norm`` (0: none), its learning
    rate warmed up linearly over ``optim.warmup_steps`` (Glow's code; DDPM's 5000 steps), then
    constant, or decayed by a cosine to 0 at step ``optim.decay_steps`` if that is set. The
    flow and diffusion families train with it."""
    if optim.decay_steps:
        lr = optax.warmup_cosine_decay_schedule(
            0.0, optim.lr, optim.warmup_steps, optim.decay_steps
        )
    elif optim.warmup_steps:
        lr = optax.linear_schedule(0.0, optim.lr, optim.warmup_steps)
    else:
        lr = optim.lr
    return optax.chain(
        optax.clip_by_global_norm(optim.clip_norm) if optim.clip_norm else optax.identity(),
        optax.adam(lr),
    )
