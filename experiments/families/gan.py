"""Build the GAN experiment (Goodfellow et al. 2014) from a config."""

from __future__ import annotations

import math
from pathlib import Path

import jax
import numpy as np
import optax

from experiments.families.common import Experiment
from jaxgen.core.loop import Task
from jaxgen.data import get_dataset
from jaxgen.data.toy import GaussianMixture, ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.gan import generate, init_gan_state, make_gan_step
from jaxgen.gan.steps import latent
from jaxgen.metrics.modes import mode_coverage
from jaxgen.nn.mlp import MLP
from jaxgen.viz import save_samples_figure


def build(config) -> Experiment:
    dataset = get_dataset(config.data.name, split="train", seed=config.seed)
    if not isinstance(dataset, ToyDataset):
        raise JaxgenError(
            f"the GAN family handles 1-D and 2-D toy data so far, not {config.data.name!r}; "
            "choose a toy dataset such as ring8"
        )
    model, optim = config.model, config.optim
    data_dim = math.prod(dataset.element_shape)
    generator = MLP(tuple(model.g_hidden), data_dim)
    discriminator = MLP(tuple(model.d_hidden), 1)

    def init_state(seed: int):
        return init_gan_state(
            seed=seed,
            generator=generator,
            discriminator=discriminator,
            latent_dim=model.latent_dim,
            data_shape=dataset.element_shape,
            g_tx=optax.adam(optim.g_lr, optim.b1, optim.b2),
            d_tx=optax.adam(optim.d_lr, optim.b1, optim.b2),
        )

    sample_fn = jax.jit(
        lambda state, key, n: generate(state, latent(key, n, model.latent_dim)), static_argnums=2
    )

    def sample(state, key: jax.Array, n: int) -> np.ndarray:
        return np.asarray(sample_fn(state, key, n))

    def evaluate(state, data: ToyDataset) -> dict[str, float]:
        samples = sample(state, jax.random.key(config.seed + 1), config.eval.num_samples)
        density = data.density
        results = {"test_nll_of_samples": float(-np.mean(data.log_prob(samples)))}
        if isinstance(density, GaussianMixture):
            coverage = mode_coverage(samples, density.means, float(density.stds[0]))
            results["modes_captured"] = coverage.modes_captured
            results["num_modes"] = coverage.num_modes
            results["high_quality_fraction"] = coverage.high_quality_fraction
        return results

    def write_figures(state, directory: Path, tag: str) -> None:
        samples = sample(state, jax.random.key(config.seed + 1), config.eval.num_samples)
        save_samples_figure(
            samples,
            directory / f"samples_{tag}.png",
            title=f"GAN on {config.data.name}, iteration {int(tag)}",
            reference=dataset.test_set(config.eval.num_samples),
        )

    task = Task(
        init_state=init_state,
        step=make_gan_step(model.latent_dim, generator_loss=model.generator_loss, k=model.k),
        input_shape=dataset.element_shape,
        sub_batches=model.k,
        evaluate=evaluate,
        write_figures=write_figures,
    )
    return Experiment(task=task, dataset=dataset, sample=sample)
