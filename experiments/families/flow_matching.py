"""Build a flow-matching experiment (Lipman et al. 2023; rectified flow, Liu et al. 2023): a
velocity field trained on the straight conditional paths from N(0, I) to the data, sampled
by integrating its ODE with diffrax (``model.solver``: euler, heun or dopri5).

Vectors (toy 2-D data) get the diffusion family's time-conditioned MLP; images its DDPM
U-Net, trained on uniformly dequantized pixels (``data.levels``) so that their ODE
likelihood is a bound on the discrete data's, in bits/dim comparable with a flow's and with
DDPM's variational bound. Evaluation: the sample metrics of every family (toy modes and
sample NLL; the digits classifier's Fréchet distance; FID and the rest for other images),
the sampler's NFE, and the test NLL by the instantaneous change of variables
(``eval.likelihood``: the exact trace for toy data, beside the data's entropy; Hutchinson's
estimate for images, in bits/dim).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from experiments.families.common import (
    Experiment,
    density_figure_writer,
    held_out_batch,
    load_dataset,
    make_experiment,
    pixel_levels,
    sample_figure_writer,
    time_conditioned_net,
    warmed_up_adam,
)
from experiments.families.evaluation import SampleEvaluation
from jaxgen.core import compiler
from jaxgen.core.combinators import with_ema
from jaxgen.core.precision import compute_dtype
from jaxgen.core.rng import split_by_purpose
from jaxgen.data.toy import ToyDataset
from jaxgen.errors import JaxgenError
from jaxgen.flow_matching import (
    ODESolver,
    OTPath,
    check_finished,
    flow,
    init_flow_matching_state,
    make_flow_matching_step,
    ode_log_prob,
    velocity_fn,
)
from jaxgen.flow_matching.likelihood import check_trace
from jaxgen.flow_matching.ode import FIXED_STEP
from jaxgen.flows.likelihood import bits_per_dim, dequantize, to_pixel_range

# split into the test images' dequantization noise and Hutchinson's probes (independent of
# the points they probe, as the estimator needs): fixed, so evaluations compare
LIKELIHOOD_KEY = 0x0DE
EXACT_TRACE_MOST_DIMENSIONS = 64  # the exact trace costs a JVP per dimension: the digits' 64
LIKELIHOOD_REMEDY = (
    "loosen --config.eval.likelihood_tolerance or raise --config.eval.likelihood_max_steps"
)


def sampling_solver(model) -> ODESolver:
    """The solver ``model`` names: ``solver`` with ``sample_steps`` (Euler, Heun) or
    ``rtol``, ``atol`` and ``max_steps`` (Dopri5)."""
    if model.solver in FIXED_STEP and model.sample_steps <= 0:
        raise JaxgenError(
            f"--config.model.solver={model.solver} needs a positive "
            f"--config.model.sample_steps, got {model.sample_steps} (or use dopri5)"
        )
    return ODESolver(
        name=model.solver,
        steps=model.sample_steps,
        rtol=model.rtol,
        atol=model.atol,
        max_steps=model.max_steps,
    )


def likelihood_solver(eval_) -> ODESolver:
    """The likelihood's solver: Dopri5 at ``eval.likelihood_tolerance`` (rtol = atol)."""
    tolerance = eval_.likelihood_tolerance
    if not (tolerance > 0 and eval_.likelihood_max_steps > 0):
        raise JaxgenError(
            f"--config.eval.likelihood_tolerance={tolerance} and "
            f"--config.eval.likelihood_max_steps={eval_.likelihood_max_steps} must be positive"
        )
    return ODESolver(
        name="dopri5", rtol=tolerance, atol=tolerance, max_steps=eval_.likelihood_max_steps
    )


class ODESampler:
    """``draw(state, key, n)``: n samples x1 = ODE(x0), x0 ~ N(0, I) from ``key``, in data
    space as a NumPy array (pixels requantized to the data's ``levels``); ``nfe`` holds the
    most function evaluations a call has taken. An adaptive solve that exhausts its step
    budget is a one-line error, and no sample is returned."""

    def __init__(self, *, solver: ODESolver, data_shape: tuple[int, ...], levels: int | None):
        self.solver, self.nfe = solver, 0

        def sample_fn(state, key, n):
            """(the samples, the :class:`~jaxgen.flow_matching.ode.Integration`), unjitted."""
            x0 = jax.random.normal(key, (n, *data_shape))
            solve = flow(velocity_fn(state.velocity), x0, solver)
            x = solve.y if levels is None else to_pixel_range(solve.y / 2, levels)
            return x, solve

        self.sample_fn = sample_fn
        self.run = compiler.jit(sample_fn, static_argnums=2)

    def __call__(self, state, key, n) -> np.ndarray:
        x, solve = self.run(state, key, n)
        check_finished(solve, self.solver)
        self.nfe = max(self.nfe, int(solve.nfe))
        return np.asarray(x)


def likelihood_evaluation(config, data_shape: tuple[int, ...], levels: int | None):
    """``extra(state, data)``: the test NLL under the model's ODE (``eval.likelihood``):
    toy data by the exact trace, beside the data's entropy (the gap is KL(data ‖ model));
    images by Hutchinson's estimate on ``eval.likelihood_examples`` dequantized test images,
    in nats and bits/dim. None when ``eval.likelihood`` is ""."""
    eval_ = config.eval
    if not eval_.likelihood:
        return None, None
    check_trace(eval_.likelihood, eval_.probe)
    dim = math.prod(data_shape)
    if eval_.likelihood == "exact" and dim > EXACT_TRACE_MOST_DIMENSIONS:
        raise JaxgenError(
            f"--config.eval.likelihood=exact takes one JVP per dimension, {dim} here; use "
            "--config.eval.likelihood=hutchinson"
        )
    solver = likelihood_solver(eval_)
    keys = split_by_purpose(jax.random.key(LIKELIHOOD_KEY), "dequantize", "probes")

    def log_density(state, x):
        velocity = velocity_fn(state.velocity)
        return ode_log_prob(
            velocity,
            x,
            solver,
            trace=eval_.likelihood,
            key=keys["probes"],
            probe=eval_.probe,
        )

    compiled = compiler.jit(log_density)

    def finished_log_density(state, x):
        log_p, solve = compiled(state, x)
        check_finished(solve, solver, LIKELIHOOD_REMEDY)
        return np.asarray(log_p), int(solve.nfe)

    images = None

    def extra(state, data) -> dict[str, float]:
        nonlocal images
        if isinstance(data, ToyDataset):
            x = data.test_set(eval_.num_samples)
            log_p, nfe = finished_log_density(state, jnp.asarray(x))
            nll, entropy = float(-np.mean(log_p)), float(-np.mean(data.log_prob(x)))
            return {
                "test_nll": nll,
                "data_entropy": entropy,
                "kl_gap": nll - entropy,
                "likelihood_nfe": nfe,
            }
        if images is None:
            test = load_dataset(config, split="test")
            x = held_out_batch(test, eval_.likelihood_examples)["x"]
            images = 2.0 * dequantize(keys["dequantize"], jnp.asarray(x), levels)
        log_p, nfe = finished_log_density(state, images)
        nll = float(-np.mean(log_p))  # of x̃ in [−1, 1): x̃/2 in [−½, ½) has D·log 2 less
        bits = float(bits_per_dim(nll - dim * math.log(2.0), dim, levels))
        return {"test_nll": nll, "test_bits_per_dim": bits, "likelihood_nfe": nfe}

    return extra, (lambda state, x: finished_log_density(state, x)[0])


def held_out_likelihood(extra, state, dataset) -> dict:
    """``--mode=likelihood``: the test NLL alone, which needs ``eval.likelihood`` set."""
    if extra is None:
        raise JaxgenError(
            "--mode=likelihood needs --config.eval.likelihood (exact or hutchinson); it is empty"
        )
    return extra(state, dataset)


def build(config) -> Experiment:
    dataset = load_dataset(config)
    model, shape = config.model, tuple(dataset.element_shape)
    levels = pixel_levels(config, shape, "flow matching")
    draw = ODESampler(solver=sampling_solver(model), data_shape=shape, levels=levels)
    state_settings = dict(
        velocity=time_conditioned_net(model, shape),
        data_shape=shape,
        tx=warmed_up_adam(config.optim),
        ema=bool(model.ema_decay),
        compute_dtype=compute_dtype(config.train.compute_dtype),
    )
    step = make_flow_matching_step(path=OTPath(sigma_min=model.sigma_min), levels=levels)
    extra, log_density = likelihood_evaluation(config, shape, levels)
    evaluation = SampleEvaluation(config, draw, extra)

    def evaluate(state, data) -> dict:
        draw.nfe = 0
        return {**evaluation(state, data), "sample_nfe": draw.nfe}

    figures = sample_figure_writer(config, dataset, draw, f"flow matching on {config.data.name}")
    if isinstance(dataset, ToyDataset) and shape == (2,) and log_density is not None:
        # an ODE solve per grid point: a coarser grid than the coupling flows' 200 x 200
        figures = density_figure_writer(config, dataset, log_density, draw, figures, 100)
    return make_experiment(
        config,
        dataset,
        init_state=lambda seed: init_flow_matching_state(seed=seed, **state_settings),
        step=with_ema(step, model.ema_decay, net="velocity", warmup=model.ema_warmup)
        if model.ema_decay
        else step,
        draw=draw,
        evaluate=evaluate,
        prepare=evaluation.prepare,
        figures=figures,
        likelihood=lambda state: held_out_likelihood(extra, state, dataset),
    )
