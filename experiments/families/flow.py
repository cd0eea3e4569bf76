"""Build a normalizing-flow experiment (RealNVP, Glow; the lecture's "Normalization Flow").

Vectors (toy 1-D/2-D data) get a coupling flow with MLP conditioners and report the test NLL
in nats beside the data's own entropy where the density is known (the gap is the KL
divergence from data to model); images get RealNVP or Glow, trained on dequantized pixels, and
report test bits/dim (and, on digits, the classifier's verdict on samples at the config's
temperature). An image flow with ``model.num_classes`` > 0 has Glow's class-conditional
prior on its top level: it reports conditional bits/dim, −log p(x | y) of the test images
under their labels, and draws sample i for class i mod C.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from experiments.families.common import (
    Experiment,
    checked_classes,
    compiled_sampler,
    density_figure_writer,
    held_out_batch,
    load_dataset,
    make_experiment,
    pixel_levels,
    sample_classes,
    sample_figure_writer,
    warmed_up_adam,
)
from experiments.families.evaluation import SampleEvaluation
from jaxgen.core import compiler
from jaxgen.core.combinators import with_ema
from jaxgen.core.precision import compute_dtype
from jaxgen.data.toy import ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.flows import (
    ClassConditionalPrior,
    conditional_log_prob,
    conditional_sample,
    coupling_flow,
    glow,
    realnvp,
)
from jaxgen.flows.conditional import top_level_size
from jaxgen.flows.likelihood import bits_per_dim, dequantize, log_prob, sample, to_pixel_range
from jaxgen.flows.state import init_flow_state
from jaxgen.flows.steps import make_flow_step, prepare
from jaxgen.nn.labels import requested_labels

EVAL_KEY = 0xE1A1  # dequantization noise of the test set: fixed, so evaluations compare


def weights(state):
    """The parameters a flow is evaluated and sampled with: the EMA where one is kept."""
    return state.params if state.ema_params is None else state.ema_params


def build_flow(model, data_shape: tuple[int, ...], dtype=jnp.float32):
    """The flow ``model`` describes; its conditioners compute in ``dtype``."""
    if len(data_shape) == 1:
        return coupling_flow(
            dim=data_shape[0],
            pairs=model.pairs,
            hidden=tuple(model.hidden),
            coupling=model.coupling,
            bins=model.bins,
            bound=model.bound,
            compute_dtype=dtype,
        )
    shared = {"image_shape": data_shape, "width": model.width, "compute_dtype": dtype}
    if model.kind == "glow":
        return glow(levels=model.levels, steps=model.steps, learn_top=model.learn_top, **shared)
    if model.kind == "realnvp":
        return realnvp(
            scales=model.levels, depth=model.depth, logit_alpha=model.logit_alpha, **shared
        )
    raise JaxgenError(f"unknown image flow `kind` {model.kind!r}; use glow or realnvp")


def likelihood_evaluation(config, flow, levels: int | None, test, prior=None):
    """``extra(state, data)``: the test NLL; for toy data beside the data's own entropy (the
    gap is KL(data ‖ model)), for images in bits/dim too, on the whole held-out split when it
    is in memory (digits), else on a fixed batch of it, dequantized with fixed noise; with a
    class-conditional ``prior``, −log p(x | y) under the test images' labels."""
    if prior is None:
        log_density = compiler.jit(lambda params, x: log_prob(flow, params, x))
    else:
        conditional = compiler.jit(
            lambda params, x, y: conditional_log_prob(flow, prior, params, x, y)
        )

    def extra(state, data) -> dict[str, float]:
        n = config.eval.num_samples
        if isinstance(data, ToyDataset):
            x = data.test_set(n)
            nll = float(np.mean(-log_density(weights(state), x)))
            entropy = float(-np.mean(data.log_prob(x)))
            return {"test_nll": nll, "data_entropy": entropy, "kl_gap": nll - entropy}
        held_out = held_out_batch(test, n)
        x = dequantize(jax.random.key(EVAL_KEY), held_out["x"], levels)
        if prior is None:
            nll = float(-np.mean(log_density(weights(state), x)))
        else:
            nll = float(-np.mean(conditional(weights(state), x, held_out["label"])))
        bits = float(bits_per_dim(nll, math.prod(x.shape[1:]), levels))
        return {"test_nll": nll, "test_bits_per_dim": bits}

    return extra, (log_density if prior is None else None)


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model, shape = config.model, tuple(dataset.element_shape)
    levels = pixel_levels(config, shape, "a flow")
    flow = build_flow(model, shape, compute_dtype(config.train.compute_dtype))
    num_classes = checked_classes(config, dataset)
    if num_classes and len(shape) == 1:
        raise JaxgenError(
            "a class-conditional flow needs images (Glow's or RealNVP's multi-scale z); set "
            "--config.model.num_classes=0 for vector data"
        )
    prior = None
    if num_classes:
        prior = ClassConditionalPrior(num_classes=num_classes, top_dims=top_level_size(flow, shape))
    classes = sample_classes(model) if num_classes else None
    if num_classes:  # a class outside the model's is refused now, not when traced
        requested_labels(1, num_classes, classes)

    def init_state(seed: int):
        first = jnp.asarray(dataset.get_batch(0, model.init_batch_size)["x"])
        example = prepare(jax.random.key(seed), first, levels)
        tx = warmed_up_adam(config.optim)
        return init_flow_state(
            flow=flow, seed=seed, example=example, tx=tx, ema=use_ema, prior=prior
        )

    def draw_latent(state, key, n):
        dim, temperature = math.prod(shape), model.temperature
        if prior is None:
            x = sample(flow, weights(state), key, n, dim, temperature)
        else:
            labels = requested_labels(n, num_classes, classes)
            x = conditional_sample(flow, prior, weights(state), key, labels, dim, temperature)
        return x if levels is None else to_pixel_range(x, levels)

    use_ema = bool(model.ema_decay)
    draw = compiled_sampler(draw_latent)
    test = load_dataset(config, split="test") if levels is not None else None
    extra, log_density = likelihood_evaluation(config, flow, levels, test, prior)
    figures = sample_figure_writer(
        config, dataset, draw, f"{model.kind} flow on {config.data.name}"
    )
    if isinstance(dataset, ToyDataset) and shape == (2,):
        figures = density_figure_writer(
            config,
            dataset,
            lambda state, x: log_density(weights(state), x),
            draw,
            figures,
        )
    step = make_flow_step(flow=flow, levels=levels, prior=prior)
    evaluation = SampleEvaluation(config, draw, extra, num_classes=num_classes, classes=classes)
    return make_experiment(
        config,
        dataset,
        init_state=init_state,
        step=with_ema(step, model.ema_decay, warmup=model.ema_warmup) if use_ema else step,
        draw=draw,
        evaluate=evaluation,
        prepare=evaluation.prepare,
        figures=figures,
    )
