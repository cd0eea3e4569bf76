"""Build a denoising-diffusion experiment (DDPM, Ho et al. 2020; the lecture's "Diffusion
Models").

Vectors (toy 2-D data) get the MLP denoiser, images the DDPM U-Net; both train on L_simple
(Algorithm 1), or an image model with a learned variance (``model.variance = "learned"``)
on L_hybrid (Nichol & Dhariwal 2021, §3.1; λ = ``model.vlb_weight``), with an EMA of the
weights, and sample with the EMA weights by ancestral sampling (Algorithm 2) or DDIM on
``sample_steps`` evenly spaced steps. Evaluation: toy data as for GANs (modes, high-quality
fraction, NLL of the samples under the data); digits by the project's classifier (classes,
Fréchet distance) and the variational bound in bits/dim on held-out digits. Samplers chosen
at sample time: ancestral, DDIM, and the probability-flow ODE solvers DPM-Solver++(2M) and
EDM's Heun (``model.sampler``, ``model.sample_steps``).

A class-conditional model (``model.num_classes`` > 0) trains with classifier-free guidance's
label dropout (``model.p_uncond``) and samples sample i for class i mod ``num_classes`` with
guidance weight ``model.guidance`` (chosen at sample time; Ho & Salimans 2022); on the digits
its evaluation adds the classifier's label accuracy and per-class Fréchet distances.
"""

from __future__ import annotations

import jax
import numpy as np

from experiments.families.common import (
    Experiment,
    checked_classes,
    compiled_sampler,
    load_dataset,
    make_experiment,
    sample_classes,
    time_conditioned_net,
    warmed_up_adam,
)
from experiments.families.evaluation import SampleEvaluation
from jaxgen.core import compiler
from jaxgen.core.combinators import with_ema
from jaxgen.core.precision import compute_dtype
from jaxgen.core.rng import split_by_purpose
from jaxgen.diffusion import (
    ReverseProcess,
    ancestral_step,
    class_conditional,
    ddim_step,
    denoiser_fn,
    evenly_spaced,
    guided,
    init_diffusion_state,
    make_diffusion_step,
    make_schedule,
    respace,
    sample,
    variational_bound,
)
from jaxgen.diffusion.bound import bits_per_dim
from jaxgen.diffusion.hybrid import VLB_WEIGHT
from jaxgen.diffusion.ode_samplers import ODE_SAMPLERS, dpm_solver_pp_2m, heun, logsnr_spaced
from jaxgen.errors import JaxgenError
from jaxgen.nn.labels import requested_labels

BOUND_KEY = 0xB0D  # the bound's x_t draws: fixed, so evaluations compare


def reverse_process(model) -> ReverseProcess:
    """The model's p_θ: its prediction, variance and clipping (0: none)."""
    return ReverseProcess(
        prediction=model.prediction, variance=model.variance, clip=model.clip or None
    )


def ode_sample(model, schedule, net, sampler: str, sample_steps: int, x_T):
    """x_0 from x_T by a probability-flow ODE solver (:mod:`jaxgen.diffusion.ode_samplers`):
    DPM-Solver++(2M) on ``sample_steps`` log-SNR-spaced steps, or EDM's Heun on
    ``sample_steps`` noise levels."""
    reverse = reverse_process(model)
    if sampler == "heun":
        return heun(schedule=schedule, net=net, x_T=x_T, num_levels=sample_steps, reverse=reverse)
    grid = respace(schedule, logsnr_spaced(schedule, sample_steps))
    return dpm_solver_pp_2m(schedule=grid, net=net, x_T=x_T, reverse=reverse)


def reverse_steps(model, schedule, net, sampler: str, sample_steps: int):
    """(the step function, its number of steps) for ``sampler`` on ``sample_steps`` evenly
    spaced steps of ``schedule`` (0: all of them)."""
    if sample_steps and sample_steps != schedule.num_steps:
        schedule = respace(schedule, evenly_spaced(schedule.num_steps, sample_steps))
    settings = {"schedule": schedule, "net": net, "reverse": reverse_process(model)}
    if sampler == "ancestral":
        return ancestral_step(**settings), schedule.num_steps
    if sampler == "ddim":
        return ddim_step(**settings, eta=model.eta), schedule.num_steps
    raise JaxgenError(f"unknown `sampler` {sampler!r}; use one of {SAMPLERS}")


SAMPLERS = ("ancestral", "ddim", *ODE_SAMPLERS)


def sampling_denoiser(model, state, n: int):
    """The network the samplers run for n samples: ε(x_t, t); for a class-conditional model
    sample i conditioned on class i mod ``num_classes``, guided with weight
    ``model.guidance`` (none at 0)."""
    net = denoiser_fn(state.denoiser)
    if not model.num_classes:
        return net
    labels = requested_labels(n, model.num_classes, sample_classes(model))
    if model.guidance:
        return guided(net, labels, model.guidance, model.num_classes)
    return class_conditional(net, labels)


def sampling_fn(model, schedule, data_shape, sampler: str, sample_steps: int):
    """``run(state, key, n)``: n samples from the EMA weights, not jitted (to trace inside
    another program, as ``make bench`` does)."""
    if sampler not in SAMPLERS:
        raise JaxgenError(f"unknown `sampler` {sampler!r}; use one of {SAMPLERS}")
    reverse_process(model)  # a bad prediction or variance is refused now, not when traced
    if sampler in ODE_SAMPLERS and sample_steps < 2:
        raise JaxgenError(
            f"--config.model.sampler={sampler} needs --config.model.sample_steps of 2 or more "
            f"(its {'noise levels' if sampler == 'heun' else 'steps'}), got {sample_steps}"
        )
    if model.num_classes:  # a class outside the model's is refused now, not when traced
        requested_labels(1, model.num_classes, sample_classes(model))
    if model.guidance < 0:
        raise JaxgenError(
            f"--config.model.guidance={model.guidance}: the guidance weight w must be >= 0"
        )
    if model.guidance and model.variance == "learned":
        raise JaxgenError(
            "--config.model.guidance with --config.model.variance=learned would extrapolate "
            "the variance's v too; guide a model with a fixed variance (large or small)"
        )

    def run(state, key, n):
        net = sampling_denoiser(model, state, n)
        if sampler in ODE_SAMPLERS:  # x_T drawn as `sample` draws it, so samplers compare
            x_T = jax.random.normal(split_by_purpose(key, "x_T", "steps")["x_T"], (n, *data_shape))
            return ode_sample(model, schedule, net, sampler, sample_steps, x_T)
        step, num_steps = reverse_steps(model, schedule, net, sampler, sample_steps)
        return sample(step, num_steps, key, (n, *data_shape))

    return run


def make_sampler(model, schedule, data_shape, sampler: str, sample_steps: int):
    """The jitted :func:`sampling_fn` (n static)."""
    run = sampling_fn(model, schedule, data_shape, sampler, sample_steps)
    return compiler.jit(run, static_argnums=2)


def make_draw(model, schedule, data_shape, sampler: str, sample_steps: int):
    """``draw(state, key, n)``: n samples in data space as a NumPy array."""
    return compiled_sampler(sampling_fn(model, schedule, data_shape, sampler, sample_steps))


def bound_evaluation(config, schedule):
    """``extra(state, data)``: the variational bound in bits/dim on the first
    ``eval.bound_examples`` held-out digits (None for other data, or 0 examples)."""
    if config.data.name != "digits" or not config.eval.bound_examples:
        return None
    test = load_dataset(config, split="test").arrays
    x, labels = test["x"][: config.eval.bound_examples], test["label"][: config.eval.bound_examples]
    reverse = reverse_process(config.model)

    def net(state, labels):  # a conditional model's bound is log p(x | its label)
        denoiser = denoiser_fn(state.denoiser)
        return class_conditional(denoiser, labels) if config.model.num_classes else denoiser

    bound = compiler.jit(
        lambda state, x, labels: (
            variational_bound(
                schedule,
                net(state, labels),
                x,
                jax.random.key(BOUND_KEY),
                levels=config.data.levels,
                reverse=reverse,
            ).total
        )
    )

    def extra(state, data) -> dict[str, float]:
        nats = float(np.mean(bound(state, x, labels)))
        return {"test_bound_bits_per_dim": float(bits_per_dim(nats, int(np.prod(x.shape[1:]))))}

    return extra


def checked_learned_variance(config, data_shape) -> bool:
    """Whether the model learns its variance; refused for vector data, which are continuous
    (L_vlb's decoder term needs the data's discrete levels)."""
    learned = reverse_process(config.model).variance == "learned"
    if learned and len(data_shape) == 1:
        raise JaxgenError(
            f"--config.model.variance=learned needs discrete image data for L_vlb's decoder "
            f"term, and {config.data.name} is continuous; use large or small"
        )
    return learned


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model, shape = config.model, tuple(dataset.element_shape)
    num_classes = checked_classes(config, dataset)
    schedule = make_schedule(model.schedule, model.num_timesteps)
    learned_variance = checked_learned_variance(config, shape)
    state_settings = dict(
        denoiser=time_conditioned_net(
            model, shape, num_classes, outputs=reverse_process(model).outputs
        ),
        data_shape=shape,
        tx=warmed_up_adam(config.optim),
        ema=bool(model.ema_decay),
        compute_dtype=compute_dtype(config.train.compute_dtype),
        num_classes=num_classes,
    )
    draw = make_draw(model, schedule, shape, model.sampler, model.sample_steps)
    step = make_diffusion_step(
        schedule=schedule,
        prediction=model.prediction,
        num_classes=num_classes,
        p_uncond=model.p_uncond if num_classes else 0.0,
        learned_variance=learned_variance,
        levels=config.data.levels,
        vlb_weight=model.get("vlb_weight", VLB_WEIGHT),
    )
    evaluation = SampleEvaluation(
        config,
        draw,
        bound_evaluation(config, schedule),
        num_classes=num_classes,
        classes=sample_classes(model),
    )
    return make_experiment(
        config,
        dataset,
        init_state=lambda seed: init_diffusion_state(seed=seed, **state_settings),
        step=with_ema(step, model.ema_decay, net="denoiser", warmup=model.ema_warmup)
        if model.ema_decay
        else step,
        draw=draw,
        evaluate=evaluation,
        prepare=evaluation.prepare,
        figures=f"DDPM on {config.data.name}",
    )
