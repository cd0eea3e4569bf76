"""Build the GAN experiment (Goodfellow et al. 2014; DCGAN, Radford et al. 2016) from a config.

Toy data (1-D, 2-D) get MLP networks and mode-coverage metrics; images get the DCGAN pair.
"""

from __future__ import annotations

import jax
import numpy as np
import optax

from experiments.families.common import (
    Experiment,
    digits_metrics,
    load_dataset,
    sample_figure_writer,
    toy_metrics,
)
from jaxgen.core import compiler
from jaxgen.core.combinators import with_ema
from jaxgen.core.loop import Task
from jaxgen.core.precision import compute_dtype
from jaxgen.data.toy import ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.gan import generate, init_gan_state, make_gan_step
from jaxgen.gan.steps import ORIGINAL_WGAN_MAX_CRITIC, latent, make_scheduled_wgan_step
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from jaxgen.nn.mlp import MLP


def optimizer(optim, lr: float, updates_per_step: int = 1) -> optax.GradientTransformation:
    """Adam (DCGAN: 2e-4, β1 = 0.5), RMSProp (WGAN) or SGD with momentum (Goodfellow 2014).

    With ``optim.decay_steps`` > 0 the learning rate follows a cosine from ``lr`` to 0 over
    that many training iterations (``updates_per_step`` updates of this network each), then
    stays at 0; otherwise it is constant.
    """
    if optim.decay_steps:
        lr = optax.cosine_decay_schedule(lr, optim.decay_steps * updates_per_step)
    if optim.name == "adam":
        return optax.adam(lr, optim.b1, optim.b2)
    if optim.name == "rmsprop":
        return optax.rmsprop(lr)
    if optim.name == "sgd_momentum":
        return optax.sgd(lr, momentum=optim.momentum)
    raise JaxgenError(f"unknown optimizer {optim.name!r}; use adam, rmsprop or sgd_momentum")


def networks(model, data_shape: tuple[int, ...]):
    if len(data_shape) == 1:
        return MLP(tuple(model.g_hidden), data_shape[0]), MLP(tuple(model.d_hidden), 1)
    size, _, channels = data_shape
    return (
        DCGANGenerator(size, channels, model.g_features, model.base_size),
        DCGANDiscriminator(size, model.d_features, model.base_size, model.d_normalization),
    )


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model, optim = config.model, config.optim
    data_shape = tuple(dataset.element_shape)
    generator, discriminator = networks(model, data_shape)
    use_ema = model.ema_decay > 0

    def init_state(seed: int):
        return init_gan_state(
            seed=seed,
            generator=generator,
            discriminator=discriminator,
            latent_dim=model.latent_dim,
            data_shape=data_shape,
            g_tx=optimizer(optim, optim.g_lr),
            d_tx=optimizer(optim, optim.d_lr, model.k),
            ema=use_ema,
            compute_dtype=compute_dtype(config.train.compute_dtype),
        )

    sample_fn = compiler.jit(
        lambda state, key, n: generate(state, latent(key, n, model.latent_dim), use_ema=use_ema),
        static_argnums=2,
    )

    def sample(state, key: jax.Array, n: int) -> np.ndarray:
        return np.asarray(sample_fn(state, key, n))

    def evaluate(state, data) -> dict[str, float]:
        samples = sample(state, jax.random.key(config.seed + 1), config.eval.num_samples)
        if isinstance(data, ToyDataset):
            return toy_metrics(samples, data)
        if config.data.name == "digits":
            return digits_metrics(samples)
        return {"sample_mean": float(samples.mean()), "sample_std": float(samples.std())}

    clip = model.clip or None
    if model.original_wgan_schedule:
        step = make_scheduled_wgan_step(
            model.latent_dim, n_critic=model.k, clip=clip, gradient_penalty=model.gradient_penalty
        )
        sub_batches = ORIGINAL_WGAN_MAX_CRITIC
    else:
        step = make_gan_step(
            model.latent_dim,
            objective=model.objective,
            k=model.k,
            gradient_penalty=model.gradient_penalty,
            clip=clip,
        )
        sub_batches = model.k
    if use_ema:
        step = with_ema(step, model.ema_decay, net="g")
    task = Task(
        init_state=init_state,
        step=step,
        input_shape=data_shape,
        sub_batches=sub_batches,
        evaluate=evaluate,
        write_figures=sample_figure_writer(config, dataset, sample, f"GAN on {config.data.name}"),
    )
    return Experiment(task=task, dataset=dataset, sample=sample)
