"""Build a normalizing-flow experiment (RealNVP, Glow; the lecture's "Normalization Flow").

Vectors (toy 1-D/2-D data) get a coupling flow with MLP conditioners and report the test NLL
in nats beside the data's own entropy where the density is known (the gap is the KL
divergence from data to model); images get RealNVP or Glow, trained on dequantized pixels, and
report test bits/dim (and, on digits, the classifier's verdict on samples at the config's
temperature).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from experiments.families.common import (
    Experiment,
    digits_metrics,
    load_dataset,
    sample_figure_writer,
    warmed_up_adam,
)
from jaxgen.core import compiler
from jaxgen.core.loop import Task
from jaxgen.core.precision import compute_dtype
from jaxgen.data.toy import ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.flows import coupling_flow, glow, realnvp
from jaxgen.flows.likelihood import bits_per_dim, dequantize, log_prob, sample, to_pixel_range
from jaxgen.flows.state import init_flow_state
from jaxgen.flows.steps import make_flow_step, prepare
from jaxgen.viz import grid_over, save_density_figure

EVAL_KEY = 0xE1A1  # dequantization noise of the test set: fixed, so evaluations compare


def build_flow(model, data_shape: tuple[int, ...], dtype=jnp.float32):
    """The flow ``model`` describes; its conditioners compute in ``dtype``."""
    if len(data_shape) == 1:
        return coupling_flow(
            data_shape[0],
            model.pairs,
            tuple(model.hidden),
            model.coupling,
            model.bins,
            model.bound,
            dtype,
        )
    if model.kind == "glow":
        return glow(data_shape, model.levels, model.steps, model.width, model.learn_top, dtype)
    if model.kind == "realnvp":
        return realnvp(data_shape, model.levels, model.width, model.depth, model.logit_alpha, dtype)
    raise JaxgenError(f"unknown image flow {model.kind!r}; use glow or realnvp")


def density_figure_writer(config, dataset: ToyDataset, log_density, draw, sample_figures):
    """``write_figures`` for 2-D toy data: the sample figure, and ``density_<tag>.png`` with
    the data's exact density beside the model's p_X(x) = p_Z(f(x))|det Df(x)| on a grid over
    the test set, and the model's samples; the title gives the model density's grid integral."""
    grid, extent, cell = grid_over(dataset.test_set(config.eval.num_samples))
    size = int(np.sqrt(len(grid)))

    @functools.cache
    def exact() -> np.ndarray:  # seconds of numpy for the curve densities: only when drawn
        return np.exp(dataset.log_prob(grid)).reshape(size, size)

    def write_figures(state, directory, tag: str) -> None:
        sample_figures(state, directory, tag)
        model = np.exp(np.asarray(log_density(state.params, grid))).reshape(size, size)
        save_density_figure(
            {f"data: {config.data.name}": exact(), "model p_X": model},
            extent,
            draw(state, jax.random.key(config.seed + 1), config.eval.num_samples),
            directory / f"density_{tag}.png",
            title=f"iteration {int(tag)}, ∫ p_X over the grid = {model.sum() * cell:.3f}",
        )

    return write_figures


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model, optim = config.model, config.optim
    data_shape = tuple(dataset.element_shape)
    levels = config.data.levels or None
    if levels is None and len(data_shape) > 1:
        raise JaxgenError("image flows need config.data.levels (pixel values per channel)")
    flow = build_flow(model, data_shape, compute_dtype(config.train.compute_dtype))
    latent_dim = math.prod(data_shape)
    tx = warmed_up_adam(optim)

    def init_state(seed: int):
        key = jax.random.key(seed)
        first = jnp.asarray(dataset.get_batch(0, config.model.init_batch_size)["x"])
        return init_flow_state(flow, seed, prepare(key, first, levels), tx)

    sample_fn = compiler.jit(
        lambda state, key, n: sample(flow, state.params, key, n, latent_dim, model.temperature),
        static_argnums=2,
    )

    def draw(state, key: jax.Array, n: int) -> np.ndarray:
        x = sample_fn(state, key, n)
        return np.asarray(x if levels is None else to_pixel_range(x, levels))

    test = load_dataset(config, split="test") if levels is not None else None
    log_density = compiler.jit(lambda params, x: log_prob(flow, params, x))

    def evaluate(state, data) -> dict[str, float]:
        if isinstance(data, ToyDataset):
            x = data.test_set(config.eval.num_samples)
            nll = float(np.mean(-log_density(state.params, x)))
            entropy = float(-np.mean(data.log_prob(x)))
            return {"test_nll": nll, "data_entropy": entropy, "kl_gap": nll - entropy}
        # the whole held-out split when it is in memory (digits), else a fixed batch of it
        whole = getattr(test, "arrays", None)
        n = config.eval.num_samples
        x = whole["x"][:n] if whole is not None else test.get_batch(0, n)["x"]
        nll = float(
            -np.mean(log_density(state.params, dequantize(jax.random.key(EVAL_KEY), x, levels)))
        )
        results = {
            "test_nll": nll,
            "test_bits_per_dim": float(bits_per_dim(nll, latent_dim, levels)),
        }
        if config.data.name == "digits":
            samples = draw(state, jax.random.key(config.seed + 1), config.eval.num_samples)
            results.update(digits_metrics(samples))
        return results

    write_figures = sample_figure_writer(
        config, dataset, draw, f"{model.kind} flow on {config.data.name}"
    )
    if isinstance(dataset, ToyDataset) and data_shape == (2,):
        write_figures = density_figure_writer(config, dataset, log_density, draw, write_figures)
    task = Task(
        init_state=init_state,
        step=make_flow_step(flow, levels=levels),
        input_shape=data_shape,
        evaluate=evaluate,
        write_figures=write_figures,
    )
    return Experiment(task=task, dataset=dataset, sample=draw)
