"""Flows assembled from the bijectors: coupling flows for vectors, RealNVP and Glow for images.

* :func:`coupling_flow` (RealNVP for d-dimensional data, Dinh et al. 2017): ``pairs`` times
  [ActNorm, coupling on the first half, coupling on the second half], MLP conditioners;
  affine couplings with tanh-bounded log-scales, or rational-quadratic spline couplings
  (Durkan et al. 2019).
* :func:`glow` (Kingma & Dhariwal 2018, §3 and Fig. 2): ``levels`` times [squeeze, ``steps`` x
  (ActNorm, invertible 1x1 convolution, affine channel coupling with sigmoid scale)], half the
  channels factored out after every level but the last; with ``learn_top``, a learned
  N(μ, σ²) prior on the last level's output (:class:`~jaxgen.flows.layers.LearnedPrior`).
* :func:`realnvp` (Dinh et al. 2017, §3.6): per scale three alternating checkerboard couplings,
  squeeze, three alternating channel couplings, then half the channels factored out; the last
  scale four checkerboard couplings; with ``logit_alpha`` > 0 the logit transform first.
  ActNorm stands in for the paper's batch normalisation (a deterministic per-example map,
  which keeps the log-det of an example independent of its batch).

:class:`MultiScale` implements "factoring out" (RealNVP §3.6): z is the concatenation of the
factored halves and of the last level's output, each flattened, so every model maps an image
to a vector z of the same dimension, scored under N(0, I).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.flows.bijector import Bijector, Chain, Repeated
from jaxgen.flows.coupling import Coupling, channel_mask, checkerboard, half_mask
from jaxgen.flows.layers import (
    ActNorm,
    InvertibleConv1x1,
    LearnedPrior,
    LogitTransform,
    Squeeze,
)
from jaxgen.flows.spline import SplineCoupling, transformed_size
from jaxgen.nn.conditioners import CouplingCNN, CouplingMLP


@dataclass(frozen=True)
class MultiScale:
    """``levels = (b_1, …, b_L)``: x → b_1 → keep the second half of the channels (the first
    half is factored out into z) → b_2 → … → b_L; z = [flat(z_1), …, flat(z_{L−1}), flat(b_L)]."""

    levels: Sequence[Bijector]

    def init(self, key: jax.Array, x: jax.Array) -> tuple:
        params = []
        for i, (level, level_key) in enumerate(
            zip(self.levels, jax.random.split(key, len(self.levels)), strict=True)
        ):
            params.append(level.init(level_key, x))
            x, _ = level.forward_and_log_det(params[-1], x)
            if i < len(self.levels) - 1:
                x = x[..., x.shape[-1] // 2 :]
        return tuple(params)

    def forward_and_log_det(self, params, x):
        n = x.shape[0]
        pieces, total = [], jnp.zeros(n, x.dtype)
        for i, (level, p) in enumerate(zip(self.levels, params, strict=True)):
            x, log_det = level.forward_and_log_det(p, x)
            total = total + log_det
            if i < len(self.levels) - 1:
                half = x.shape[-1] // 2
                pieces.append(x[..., :half].reshape(n, -1))
                x = x[..., half:]
        pieces.append(x.reshape(n, -1))
        return jnp.concatenate(pieces, axis=1), total

    def level_shapes(self, params, example_shape: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The shape each level outputs, for an input of ``example_shape`` (batch first)."""
        shapes, spec = [], jax.ShapeDtypeStruct(example_shape, jnp.float32)
        for i, (level, p) in enumerate(zip(self.levels, params, strict=True)):
            out, _ = jax.eval_shape(level.forward_and_log_det, p, spec)
            shapes.append(out.shape)
            if i < len(self.levels) - 1:
                spec = jax.ShapeDtypeStruct((*out.shape[:-1], out.shape[-1] // 2), jnp.float32)
        return shapes

    def inverse_and_log_det(self, params, z, example_shape: tuple[int, ...]):
        """Needs the data's ``example_shape`` (with a batch axis) to unflatten z."""
        shapes = self.level_shapes(params, example_shape)
        n, offset, factored = z.shape[0], 0, []
        for i, shape in enumerate(shapes):
            channels = shape[-1] // 2 if i < len(shapes) - 1 else shape[-1]
            size = math.prod(shape[1:-1]) * channels
            factored.append(z[:, offset : offset + size].reshape(n, *shape[1:-1], channels))
            offset += size
        x, total = factored[-1], jnp.zeros(n, z.dtype)
        for i in reversed(range(len(self.levels))):
            if i < len(self.levels) - 1:
                x = jnp.concatenate([factored[i], x], axis=-1)
            x, log_det = self.levels[i].inverse_and_log_det(params[i], x)
            total = total + log_det
        return x, total


@dataclass(frozen=True, kw_only=True)
class ImageFlow:
    """A :class:`MultiScale` flow bound to one image shape, so that its inverse has the
    protocol's signature.

    Attributes:
      body: the multi-scale flow.
      image_shape: (H, W, C) of one image; it unflattens z in the inverse.
    """

    body: MultiScale
    image_shape: tuple[int, int, int]

    def init(self, key, x):
        return self.body.init(key, x)

    def forward_and_log_det(self, params, x):
        return self.body.forward_and_log_det(params, x)

    def inverse_and_log_det(self, params, z):
        return self.body.inverse_and_log_det(params, z, (z.shape[0], *self.image_shape))


def affine_coupling(mask, net, scale: str, compute_dtype) -> Coupling:
    """An affine :class:`Coupling` conditioned by the Flax module ``net``."""
    return Coupling(
        mask=mask,
        conditioner=net.apply,
        init_conditioner=net.init,
        transform="affine",
        scale=scale,
        compute_dtype=compute_dtype,
    )


def coupling_flow(
    *,
    dim: int,
    pairs: int = 4,
    hidden: Sequence[int] = (128, 128),
    coupling: str = "affine",
    bins: int = 8,
    bound: float = 4.0,
    compute_dtype: Any = jnp.float32,
) -> Repeated:
    """RealNVP for vectors (Dinh et al. 2017): ``pairs`` times [ActNorm, coupling on the first
    half, coupling on the second half], each coupling conditioned by a
    :class:`~jaxgen.nn.CouplingMLP`.

    Args:
      dim: the size of the vectors.
      pairs: how many [ActNorm, coupling, coupling] blocks (run under ``lax.scan``).
      hidden: the widths of each conditioner's hidden layers.
      coupling: ``"affine"`` (tanh-bounded log-scales) or ``"spline"`` (rational-quadratic
        splines, Durkan et al. 2019; :class:`SplineCoupling`).
      bins: the spline's bins K (spline couplings only).
      bound: the spline's interval [−B, B] (spline couplings only).
      compute_dtype: what the conditioners compute in (:mod:`jaxgen.core.precision`).

    Returns:
      the flow, a :class:`~jaxgen.flows.bijector.Repeated` bijector.
    """
    if coupling not in ("affine", "spline"):
        raise JaxgenError(f"unknown `coupling` {coupling!r}; use affine or spline")

    def coupling_layer(flip: bool):
        widths = tuple(hidden)
        if coupling == "spline":
            net = CouplingMLP(hidden=widths, out_dim=transformed_size(dim, flip) * (3 * bins - 1))
            return SplineCoupling(
                dim=dim,
                flip=flip,
                conditioner=net.apply,
                init_conditioner=net.init,
                bins=bins,
                bound=bound,
                compute_dtype=compute_dtype,
            )
        net = CouplingMLP(hidden=widths, out_dim=2 * dim)
        return affine_coupling(half_mask(dim, flip), net, "tanh", compute_dtype)

    # dense layers only: a rolled scan costs XLA:CPU nothing here, so it stays rolled everywhere
    pair = Chain((ActNorm(), coupling_layer(False), coupling_layer(True)))
    return Repeated(layer=pair, count=pairs, unroll=False)


def glow(
    *,
    image_shape: tuple[int, int, int],
    levels: int,
    steps: int,
    width: int,
    learn_top: bool = False,
    compute_dtype: Any = jnp.float32,
) -> ImageFlow:
    """Glow (Kingma & Dhariwal 2018, §3 and Fig. 2): ``levels`` times [squeeze, ``steps`` x
    (ActNorm, invertible 1x1 convolution, affine channel coupling with sigmoid scale)], half the
    channels factored out after every level but the last.

    Args:
      image_shape: (H, W, C) of one image; H and W divisible by ``2**levels``.
      levels: L, the number of scales.
      steps: K, the steps of flow per level.
      width: the hidden width of each coupling's :class:`~jaxgen.nn.CouplingCNN`.
      learn_top: end with a learned N(μ, σ²) prior on the last level's output
        (:class:`~jaxgen.flows.layers.LearnedPrior`).
      compute_dtype: what the conditioners compute in (:mod:`jaxgen.core.precision`).

    Returns:
      an :class:`ImageFlow`.
    """
    h, w, c = image_shape
    stages = []
    for level in range(levels):
        h, w, c = h // 2, w // 2, 4 * c
        net = CouplingCNN(width=width, out_channels=2 * c)
        coupling = affine_coupling(channel_mask(h, w, c), net, "sigmoid", compute_dtype)
        step = Chain((ActNorm(), InvertibleConv1x1(), coupling))
        top = (LearnedPrior(),) if learn_top and level == levels - 1 else ()
        stages.append(Chain((Squeeze(), Repeated(layer=step, count=steps), *top)))
        c //= 2
    return ImageFlow(body=MultiScale(tuple(stages)), image_shape=image_shape)


def realnvp(
    *,
    image_shape: tuple[int, int, int],
    scales: int,
    width: int,
    depth: int = 2,
    logit_alpha: float = 0.0,
    compute_dtype: Any = jnp.float32,
) -> ImageFlow:
    """RealNVP for images (Dinh et al. 2017, §3.6): per scale three alternating checkerboard
    couplings, squeeze, three alternating channel couplings, then half the channels factored
    out; the last scale four checkerboard couplings. ActNorm precedes every coupling, in place
    of the paper's batch normalisation.

    Args:
      image_shape: (H, W, C) of one image; H and W divisible by ``2**(scales − 1)``.
      scales: the number of scales.
      width: the hidden width of each coupling's :class:`~jaxgen.nn.CouplingCNN`.
      depth: the extra 3x3 blocks of each :class:`~jaxgen.nn.CouplingCNN`.
      logit_alpha: α of a :class:`~jaxgen.flows.layers.LogitTransform` applied first
        (RealNVP §4.1; 0: none).
      compute_dtype: what the conditioners compute in (:mod:`jaxgen.core.precision`).

    Returns:
      an :class:`ImageFlow`.
    """

    def couplings(masks) -> list:
        layers = []
        for mask in masks:
            net = CouplingCNN(width=width, out_channels=2 * mask.shape[-1], depth=depth)
            layers += [ActNorm(), affine_coupling(mask, net, "tanh", compute_dtype)]
        return layers

    h, w, c = image_shape
    stages = []
    for _ in range(scales - 1):
        board = couplings(checkerboard(h, w, c, flip) for flip in (False, True, False))
        h, w, c = h // 2, w // 2, 4 * c
        channels = couplings(channel_mask(h, w, c, flip) for flip in (False, True, False))
        stages.append(Chain((*board, Squeeze(), *channels)))
        c //= 2
    stages.append(
        Chain(tuple(couplings(checkerboard(h, w, c, flip) for flip in (False, True) * 2)))
    )
    if logit_alpha:
        stages[0] = Chain((LogitTransform(alpha=logit_alpha), stages[0]))
    return ImageFlow(body=MultiScale(tuple(stages)), image_shape=image_shape)
