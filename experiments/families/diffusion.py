"""Build a denoising-diffusion experiment (DDPM, Ho et al. 2020; the lecture's "Diffusion
Models").

Vectors (toy 2-D data) get the MLP denoiser, images the DDPM U-Net; both train on L_simple
(Algorithm 1) with an EMA of the weights, and sample with the EMA weights by ancestral
sampling (Algorithm 2) or DDIM on ``sample_steps`` evenly spaced steps. Evaluation: toy data
as for GANs (modes, high-quality fraction, NLL of the samples under the data); digits by the
project's classifier (classes, Fréchet distance) and the variational bound in bits/dim on
held-out digits.
"""

from __future__ import annotations

import jax
import numpy as np

from experiments.families.common import (
    Experiment,
    digits_metrics,
    load_dataset,
    sample_figure_writer,
    toy_metrics,
    warmed_up_adam,
)
from jaxgen.core import compiler
from jaxgen.core.combinators import with_ema
from jaxgen.core.loop import Task
from jaxgen.core.precision import compute_dtype
from jaxgen.data.toy import ToyDataset
from jaxgen.diffusion import (
    ancestral_step,
    ddim_step,
    denoiser_fn,
    evenly_spaced,
    init_diffusion_state,
    make_diffusion_step,
    make_schedule,
    respace,
    sample,
    variational_bound,
)
from jaxgen.diffusion.bound import bits_per_dim
from jaxgen.errors import JaxgenError
from jaxgen.nn.mlp import TimeConditionedMLP
from jaxgen.nn.unet import UNet

BOUND_KEY = 0xB0D  # the bound's x_t draws: fixed, so evaluations compare


def build_denoiser(model, data_shape: tuple[int, ...]):
    if len(data_shape) == 1:
        return TimeConditionedMLP(tuple(model.hidden), model.embedding)
    return UNet(
        model.channels,
        tuple(model.multipliers),
        model.blocks,
        tuple(model.attention_at),
        model.dropout,
        model.groups,
    )


def reverse_process(model, schedule, net, sampler: str, sample_steps: int):
    """(the step function, its number of steps) for ``sampler`` on ``sample_steps`` evenly
    spaced steps of ``schedule`` (0: all of them)."""
    if sample_steps and sample_steps != schedule.num_steps:
        schedule = respace(schedule, evenly_spaced(schedule.num_steps, sample_steps))
    clip = model.clip or None
    if sampler == "ancestral":
        step = ancestral_step(schedule, net, model.prediction, model.variance, clip)
    elif sampler == "ddim":
        step = ddim_step(schedule, net, model.prediction, model.eta, clip)
    else:
        raise JaxgenError(f"unknown sampler {sampler!r}; use ancestral or ddim")
    return step, schedule.num_steps


def sampling_fn(model, schedule, data_shape, sampler: str, sample_steps: int):
    """``run(state, key, n)``: n samples from the EMA weights, not jitted (to trace inside
    another program, as ``make bench`` does)."""

    def run(state, key, n):
        net = denoiser_fn(state.denoiser)
        step, num_steps = reverse_process(model, schedule, net, sampler, sample_steps)
        return sample(step, num_steps, key, (n, *data_shape))

    return run


def make_sampler(model, schedule, data_shape, sampler: str, sample_steps: int):
    """The jitted :func:`sampling_fn` (n static)."""
    run = sampling_fn(model, schedule, data_shape, sampler, sample_steps)
    return compiler.jit(run, static_argnums=2)


def make_draw(model, schedule, data_shape, sampler: str, sample_steps: int):
    """``draw(state, key, n)``: n samples in data space as a NumPy array."""
    run = make_sampler(model, schedule, data_shape, sampler, sample_steps)
    return lambda state, key, n: np.asarray(run(state, key, n))


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model = config.model
    data_shape = tuple(dataset.element_shape)
    denoiser = build_denoiser(model, data_shape)
    schedule = make_schedule(model.schedule, model.num_timesteps)

    def init_state(seed: int):
        return init_diffusion_state(
            seed=seed,
            denoiser=denoiser,
            data_shape=data_shape,
            tx=warmed_up_adam(config.optim),
            ema=bool(model.ema_decay),
            compute_dtype=compute_dtype(config.train.compute_dtype),
        )

    draw = make_draw(model, schedule, data_shape, model.sampler, model.sample_steps)
    test = load_dataset(config, split="test") if config.data.name == "digits" else None
    bound = compiler.jit(
        lambda state, x: (
            variational_bound(
                schedule,
                denoiser_fn(state.denoiser),
                x,
                jax.random.key(BOUND_KEY),
                config.data.levels,
                prediction=model.prediction,
                variance=model.variance,
                clip=model.clip or None,
            ).total
        )
    )

    def evaluate(state, data) -> dict[str, float]:
        samples = draw(state, jax.random.key(config.seed + 1), config.eval.num_samples)
        if isinstance(data, ToyDataset):
            return toy_metrics(samples, data)
        results = digits_metrics(samples) if config.data.name == "digits" else {}
        if test is not None and config.eval.bound_examples:
            x = test.arrays["x"][: config.eval.bound_examples]
            nats = float(np.mean(bound(state, x)))
            results["test_bound_bits_per_dim"] = float(
                bits_per_dim(nats, int(np.prod(x.shape[1:])))
            )
        return results

    step = make_diffusion_step(schedule, model.prediction)
    if model.ema_decay:
        step = with_ema(step, model.ema_decay, net="denoiser")
    task = Task(
        init_state=init_state,
        step=step,
        input_shape=data_shape,
        evaluate=evaluate,
        write_figures=sample_figure_writer(config, dataset, draw, f"DDPM on {config.data.name}"),
    )
    return Experiment(task=task, dataset=dataset, sample=draw)
