"""The maximum-likelihood train step of a flow: one optimiser update descending the mean
negative log-likelihood (see :mod:`jaxgen.flows.likelihood`).

For images (``levels`` given) the batch is dequantized with noise from ``fold_in(key, step)``
and the metrics include bits/dim; for continuous data the NLL is in nats. With a
class-conditional ``prior`` (:mod:`jaxgen.flows.conditional`) the NLL is −log p(x | y) of
the batch's ``"label"``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import optax

from jaxgen.core.combinators import StepFn
from jaxgen.core.rng import step_key
from jaxgen.core.state import advance
from jaxgen.flows.bijector import Bijector
from jaxgen.flows.conditional import ClassConditionalPrior, conditional_log_prob
from jaxgen.flows.likelihood import bits_per_dim, dequantize, log_prob
from jaxgen.flows.state import FlowState


def prepare(key: jax.Array, x: jax.Array, levels: int | None) -> jax.Array:
    """Dequantize discrete data (``levels`` values per dimension); pass continuous data."""
    return x if levels is None else dequantize(key, x, levels)


def make_flow_step(
    *, flow: Bijector, levels: int | None = None, prior: ClassConditionalPrior | None = None
) -> StepFn:
    """One optimiser update on the mean NLL of ``batch["x"]`` under ``flow``; ``levels``
    (pixel values per dimension) dequantizes image data first, None leaves continuous data;
    ``prior`` makes it −log p(x | ``batch["label"]``) of a class-conditional flow.
    Returns ``flow_step(state, batch) -> (state, metrics)``."""

    def flow_step(state: FlowState, batch: dict) -> tuple[FlowState, dict]:
        x = prepare(step_key(state), batch["x"], levels)

        def loss_fn(params):
            if prior is not None:
                return -jnp.mean(conditional_log_prob(flow, prior, params, x, batch["label"]))
            return -jnp.mean(log_prob(flow, params, x))

        nll, grads = jax.value_and_grad(loss_fn)(state.params)
        updates, opt_state = state.tx.update(grads, state.opt_state, state.params)
        metrics = {"nll": nll, "grad_norm": optax.tree.norm(grads)}
        if levels is not None:
            metrics["bits_per_dim"] = bits_per_dim(nll, math.prod(x.shape[1:]), levels)
        new = advance(
            state,
            params=optax.apply_updates(state.params, updates),
            opt_state=opt_state,
        )
        return new, metrics

    return flow_step
