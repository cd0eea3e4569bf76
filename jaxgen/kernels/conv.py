"""The 2-D convolutions jaxgen's networks call: :func:`conv2d`, :func:`input_grad` (a
transposed convolution) and :func:`conv_general_dilated` (for Flax's ``nn.Conv``).

They compute through the primitives of :mod:`jaxgen.kernels.primitives`, whose XLA:CPU
lowering can be oneDNN's, when JAX's extension APIs are there
(:func:`jaxgen.kernels.jax_api.extension_api`); otherwise through their XLA forms
(:mod:`jaxgen.kernels.references`). Both give XLA's convolution on every other backend.
"""

import functools

import numpy as np
from jax import lax

from jaxgen.kernels import jax_api, references
from jaxgen.kernels.references import DIMENSIONS


@functools.cache
def primitives():
    """:mod:`jaxgen.kernels.primitives`, or None where this JAX lacks the APIs it needs."""
    if jax_api.extension_api() is None:
        return None
    from jaxgen.kernels import primitives as module

    return module


def _as_ints(strides, padding):
    return tuple(int(s) for s in strides), tuple(tuple(int(p) for p in pair) for pair in padding)


def conv2d(x, w, strides, padding):
    """``y[n,i,j,o] = Σ_{a,b,c} x[n, s₀i+a-lo₀, s₁j+b-lo₁, c] w[a,b,c,o]`` (NHWC, HWIO)."""
    strides, padding = _as_ints(strides, padding)
    module = primitives()
    if module is None:
        return references.forward(x, w, strides=strides, padding=padding)
    return module.forward_p.bind(x, w, strides=strides, padding=padding)


def input_grad(dy, w, *, strides, padding, image_size):
    """``dx``: the transpose of ``x -> conv2d(x, w)`` (x of spatial size ``image_size``)
    applied to ``dy``; with strides above 1, a transposed convolution."""
    strides, padding = _as_ints(strides, padding)
    image_size = tuple(int(s) for s in image_size)
    module = primitives()
    if module is None:
        return references.input_grad(dy, w, strides=strides, padding=padding, image_size=image_size)
    return module.input_grad_p.bind(dy, w, strides=strides, padding=padding, image_size=image_size)


def conv_general_dilated(
    lhs,
    rhs,
    window_strides,
    padding,
    lhs_dilation=None,
    rhs_dilation=None,
    dimension_numbers=None,
    feature_group_count=1,
    batch_group_count=1,
    precision=None,
    preferred_element_type=None,
):
    """``lax.conv_general_dilated``, through :func:`conv2d` where it applies.

    That is: a 2-D float32 NHWC/HWIO convolution without dilation, groups, precision or
    preferred type, and with non-negative padding. Anything else goes to ``lax`` unchanged.
    Flax's ``nn.Conv`` takes it as ``conv_general_dilated``.
    """
    plain = (
        lhs.ndim == 4
        and lhs.dtype == np.float32
        and rhs.dtype == np.float32
        and lax.conv_dimension_numbers(lhs.shape, rhs.shape, DIMENSIONS)
        == lax.conv_dimension_numbers(lhs.shape, rhs.shape, dimension_numbers)
        and all(d == 1 for d in (lhs_dilation or (1, 1)) + (rhs_dilation or (1, 1)))
        and feature_group_count == 1
        and batch_group_count == 1
        and precision is None
        and preferred_element_type is None
    )
    if plain:
        pads = padding
        if isinstance(padding, str):
            pads = lax.padtype_to_pads(lhs.shape[1:3], rhs.shape[:2], window_strides, padding)
        if all(p >= 0 for pair in pads for p in pair):
            return conv2d(lhs, rhs, window_strides, pads)
    return lax.conv_general_dilated(
        lhs,
        rhs,
        window_strides,
        padding,
        lhs_dilation,
        rhs_dilation,
        dimension_numbers,
        feature_group_count,
        batch_group_count,
        precision,
        preferred_element_type,
    )
