"""The flow-matching train step: one optimiser update descending the mean conditional
flow-matching loss of a batch (:mod:`jaxgen.flow_matching.losses`). The step's key
``fold_in(key, step)`` draws the times, the noise x0, the dropout masks and, for discrete
images, the uniform dequantization x̃ = 2·((k + u)/levels) − 1 ∈ [−1, 1) of pixels with
``levels`` values (Theis et al. 2016; :func:`jaxgen.flows.likelihood.dequantize`), so that
the model's density on x̃ bounds the discrete data's probability. Wrap it in
``with_ema(step, decay, net="velocity")`` to keep the sampling weights."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from jaxgen.core.combinators import StepFn
from jaxgen.core.rng import split_by_purpose, step_key
from jaxgen.core.state import advance
from jaxgen.flow_matching.losses import flow_matching_loss
from jaxgen.flow_matching.paths import OTPath
from jaxgen.flow_matching.state import FlowMatchingState, velocity_fn
from jaxgen.flows.likelihood import dequantize


def make_flow_matching_step(*, path: OTPath, levels: int | None = None) -> StepFn:
    """One optimiser update of v_θ on the flow-matching loss for a batch ``{"x": x1}``.

    Args:
      path: the probability path (:class:`~jaxgen.flow_matching.paths.OTPath`).
      levels: the values per pixel of discrete data in [−1, 1], dequantized before the
        loss (None: continuous data, used as they are).

    Returns:
      ``flow_matching_step(state, batch) -> (state, metrics)``.
    """

    def flow_matching_step(state: FlowMatchingState, batch: dict) -> tuple:
        keys = split_by_purpose(step_key(state), "path", "dropout", "dequantize")
        net = state.velocity
        x1 = batch["x"]
        if levels is not None:
            x1 = 2.0 * dequantize(keys["dequantize"], x1, levels)

        def loss_fn(params):
            velocity = velocity_fn(net, params, train=True, rngs={"dropout": keys["dropout"]})
            return jnp.mean(flow_matching_loss(path, velocity, x1, keys["path"]))

        loss, grads = jax.value_and_grad(loss_fn)(net.params)
        new = advance(state, velocity=net.apply_gradients(grads))
        return new, {"loss": loss, "grad_norm": optax.tree.norm(grads)}

    return flow_matching_step
