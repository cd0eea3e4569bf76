"""Build the GAN experiment (Goodfellow et al. 2014; DCGAN, Radford et al. 2016) from a config.

Toy data (1-D, 2-D) get MLP networks and mode-coverage metrics; images get the DCGAN pair,
class-conditional when ``model.num_classes`` > 0 (sample i drawn for class i mod C), with an
optionally spectrally normalised discriminator and R1 or WGAN-GP penalties.
"""

from __future__ import annotations

import optax

from experiments.families.common import (
    Experiment,
    checked_classes,
    compiled_sampler,
    load_dataset,
    make_experiment,
    sample_classes,
)
from experiments.families.evaluation import SampleEvaluation
from jaxgen.core.combinators import StepFn, with_ema
from jaxgen.core.precision import compute_dtype
from jaxgen.errors import JaxgenError
from jaxgen.gan import generate, init_gan_state, latent, make_gan_step, r1
from jaxgen.gan.steps import ORIGINAL_WGAN_MAX_CRITIC, make_scheduled_wgan_step
from jaxgen.nn.dcgan import (
    DISCRIMINATOR_CONDITIONING,
    GENERATOR_CONDITIONING,
    DCGANDiscriminator,
    DCGANGenerator,
)
from jaxgen.nn.labels import requested_labels
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
    raise JaxgenError(
        f"unknown optimizer --config.optim.name={optim.name!r}; use adam, rmsprop or sgd_momentum"
    )


def networks(model, data_shape: tuple[int, ...], num_classes: int = 0):
    """MLPs for vectors, the DCGAN pair for images (class-conditional for ``num_classes``)."""
    if len(data_shape) == 1:
        if num_classes or model.spectral_norm:
            raise JaxgenError(
                "conditional GANs and spectral normalization need images (the DCGAN pair); set "
                "--config.model.num_classes=0 and --config.model.spectral_norm=False"
            )
        return (
            MLP(hidden=tuple(model.g_hidden), out_dim=data_shape[0]),
            MLP(hidden=tuple(model.d_hidden), out_dim=1),
        )
    size, _, channels = data_shape
    for key, choices in (
        ("g_conditioning", GENERATOR_CONDITIONING),
        ("d_conditioning", DISCRIMINATOR_CONDITIONING),
    ):
        if num_classes and model[key] not in choices:
            raise JaxgenError(f"unknown --config.model.{key}={model[key]!r}; use one of {choices}")
    return (
        DCGANGenerator(
            image_size=size,
            channels=channels,
            features=model.g_features,
            base_size=model.base_size,
            num_classes=num_classes,
            conditioning=model.g_conditioning,
        ),
        DCGANDiscriminator(
            image_size=size,
            features=model.d_features,
            base_size=model.base_size,
            normalization=model.d_normalization,
            num_classes=num_classes,
            conditioning=model.d_conditioning,
            spectral_norm=model.spectral_norm,
        ),
    )


def gan_step(model, num_classes: int = 0) -> tuple[StepFn, int]:
    """The step the model describes and the number of minibatches it takes per iteration."""
    clip = model.clip or None
    if model.original_wgan_schedule:
        if num_classes or model.r1:
            raise JaxgenError(
                "the original WGAN schedule takes neither labels nor R1; set "
                "--config.model.original_wgan_schedule=False"
            )
        step = make_scheduled_wgan_step(
            latent_dim=model.latent_dim,
            n_critic=model.k,
            clip=clip,
            gradient_penalty=model.gradient_penalty,
        )
        return step, ORIGINAL_WGAN_MAX_CRITIC
    step = make_gan_step(
        latent_dim=model.latent_dim,
        objective=model.objective,
        k=model.k,
        gradient_penalty=model.gradient_penalty,
        clip=clip,
        penalties=(r1(model.r1),) if model.r1 else (),
        num_classes=num_classes,
    )
    return step, model.k


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model, optim = config.model, config.optim
    num_classes = checked_classes(config, dataset)
    generator, discriminator = networks(model, tuple(dataset.element_shape), num_classes)
    use_ema = model.ema_decay > 0
    state_settings = dict(
        generator=generator,
        discriminator=discriminator,
        latent_dim=model.latent_dim,
        data_shape=tuple(dataset.element_shape),
        g_tx=optimizer(optim, optim.g_lr),
        d_tx=optimizer(optim, optim.d_lr, model.k),
        ema=use_ema,
        compute_dtype=compute_dtype(config.train.compute_dtype),
        num_classes=num_classes,
    )
    classes = sample_classes(model) if num_classes else None
    if num_classes:  # a class outside the model's is refused now, not when traced
        requested_labels(1, num_classes, classes)

    def sample(state, key, n):
        labels = requested_labels(n, num_classes, classes) if num_classes else None
        return generate(state, latent(key, n, model.latent_dim), labels, use_ema=use_ema)

    draw = compiled_sampler(sample)
    step, sub_batches = gan_step(model, num_classes)
    evaluation = SampleEvaluation(config, draw, num_classes=num_classes, classes=classes)
    return make_experiment(
        config,
        dataset,
        init_state=lambda seed: init_gan_state(seed=seed, **state_settings),
        step=with_ema(step, model.ema_decay, net="g", warmup=model.ema_warmup) if use_ema else step,
        sub_batches=sub_batches,
        draw=draw,
        evaluate=evaluation,
        prepare=evaluation.prepare,
        figures=f"GAN on {config.data.name}",
    )
