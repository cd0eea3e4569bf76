"""XLA's forms of a 2-D convolution (images NHWC, kernels HWIO) and of its two gradients:

    forward(x, w)          = y     ``lax.conv_general_dilated``
    input_grad(dy, w)      = dx    the transpose of ``x -> conv(x, w)`` applied to ``dy``
    weight_grad(x, dy)     = dw    the transpose of ``w -> conv(x, w)`` applied to ``dy``

They define what jaxgen's convolution primitives compute, and are what computes wherever the
primitives are not used.
"""

import functools

import jax
from jax import lax

DIMENSIONS = ("NHWC", "HWIO", "NHWC")


def forward(x, w, *, strides, padding):
    """``y = conv(x, w)``: XLA's convolution."""
    return lax.conv_general_dilated(x, w, strides, padding, dimension_numbers=DIMENSIONS)


def input_grad(dy, w, *, strides, padding, image_size):
    """``dx``: the transpose of ``x -> conv(x, w)`` applied to ``dy``, as XLA computes it."""
    x = jax.ShapeDtypeStruct((dy.shape[0], *image_size, w.shape[2]), dy.dtype)
    conv = functools.partial(forward, w=w, strides=strides, padding=padding)
    return jax.linear_transpose(conv, x)(dy)[0]


def weight_grad(x, dy, *, strides, padding, kernel_size):
    """``dw``: the transpose of ``w -> conv(x, w)`` applied to ``dy``, as XLA computes it."""
    w = jax.ShapeDtypeStruct((*kernel_size, x.shape[-1], dy.shape[-1]), x.dtype)
    conv = functools.partial(forward, x, strides=strides, padding=padding)
    return jax.linear_transpose(conv, w)(dy)[0]


def output_size(size, kernel, stride, pad):
    """Output length along one axis: ``(size + lo + hi − kernel) // stride + 1``."""
    return (size + pad[0] + pad[1] - kernel) // stride + 1
