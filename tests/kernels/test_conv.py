"""The convolution primitives against XLA's convolution: values and derivatives of every order.

On this CPU the kernels are built by ``make venv``, so these compare oneDNN with XLA; the
first test fails if they are not loaded where they can be built (a compiler and the oneDNN
wheel), so a silent fallback cannot pass as a pass.
"""

import functools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from jaxgen.kernels import build, conv, onednn

CASES = [  # (image, kernel, strides, padding): DCGAN, U-Net and flow shapes
    ((2, 8, 8, 3), (3, 3, 3, 5), (1, 1), ((1, 1), (1, 1))),
    ((2, 8, 8, 4), (4, 4, 4, 6), (2, 2), ((1, 2), (1, 2))),
    ((2, 7, 9, 3), (3, 3, 3, 4), (2, 2), ((1, 1), (0, 1))),
    ((3, 6, 6, 2), (1, 1, 2, 3), (1, 1), ((0, 0), (0, 0))),
    ((1, 5, 5, 2), (5, 5, 2, 2), (1, 1), ((0, 0), (0, 0))),
]
TOLERANCE = dict(rtol=2e-5, atol=2e-5)


def operands(image, kernel, seed=0):
    keys = jax.random.split(jax.random.key(seed), 2)
    return jax.random.normal(keys[0], image), jax.random.normal(keys[1], kernel)


def both(fn):
    """fn with the primitives and fn with ``lax.conv_general_dilated`` (same arguments)."""
    return fn(conv.conv2d), fn(
        lambda x, w, s, p: lax.conv_general_dilated(x, w, s, p, dimension_numbers=conv.DIMENSIONS)
    )


def test_the_onednn_kernels_are_built_and_loaded_on_cpu():
    if jax.default_backend() != "cpu":
        pytest.skip("the oneDNN kernels are XLA:CPU's")
    problem = build.cannot_build(os.environ.get("CXX") or "g++")
    if problem is not None:
        pytest.skip(f"the oneDNN kernels cannot be built here: {problem}")
    assert onednn.why_unusable() is None, "run `python -m jaxgen.kernels.build` (make venv does)"
    assert onednn.enabled()
    hlo = (
        jax.jit(lambda x, w: conv.conv2d(x, w, (1, 1), ((1, 1), (1, 1))))
        .lower(*operands((1, 4, 4, 2), (3, 3, 2, 2)))
        .as_text()
    )
    assert onednn.target_name("forward") in hlo


@pytest.mark.parametrize("image,kernel,strides,padding", CASES)
def test_value_and_first_derivatives_equal_xla(image, kernel, strides, padding):
    x, w = operands(image, kernel)
    ours, xla = both(lambda c: jax.jit(lambda x, w: c(x, w, strides, padding)))
    y = xla(x, w)
    np.testing.assert_allclose(ours(x, w), y, **TOLERANCE)
    dy = jax.random.normal(jax.random.key(1), y.shape)
    ours_vjp = jax.jit(
        lambda x, w, dy: jax.vjp(lambda x, w: conv.conv2d(x, w, strides, padding), x, w)[1](dy)
    )
    xla_vjp = jax.jit(lambda x, w, dy: jax.vjp(lambda x, w: xla(x, w), x, w)[1](dy))
    for got, want in zip(ours_vjp(x, w, dy), xla_vjp(x, w, dy), strict=True):
        np.testing.assert_allclose(got, want, **TOLERANCE)


@pytest.mark.parametrize("image,kernel,strides,padding", CASES[:3])
def test_forward_mode_equals_xla(image, kernel, strides, padding):
    x, w = operands(image, kernel)
    tx, tw = operands(image, kernel, seed=2)
    ours, xla = both(lambda c: lambda x, w: c(x, w, strides, padding))
    got = jax.jit(lambda *a: jax.jvp(ours, a[:2], a[2:]))(x, w, tx, tw)
    want = jax.jit(lambda *a: jax.jvp(xla, a[:2], a[2:]))(x, w, tx, tw)
    for g, v in zip(got, want, strict=True):
        np.testing.assert_allclose(g, v, **TOLERANCE)


@pytest.mark.parametrize("image,kernel,strides,padding", CASES[:3])
def test_gradient_penalty_second_order_equals_xla(image, kernel, strides, padding):
    """WGAN-GP's double backward, d/dw ||d/dx Σ tanh(conv(x, w))²||²: all three primitives."""
    x, w = operands(image, kernel)

    def penalty(convolve, w, x):
        def critic(x):
            return jnp.sum(jnp.tanh(convolve(x, w, strides, padding)) ** 2)

        return jnp.sum(jax.grad(critic)(x) ** 2)

    ours, xla = both(lambda c: jax.jit(jax.grad(functools.partial(penalty, c))))
    want = xla(w, x)  # sums of products of both signs: compare on the scale of the largest
    np.testing.assert_allclose(ours(w, x), want, rtol=1e-4, atol=1e-5 * np.abs(want).max())


def test_vmap_of_gradients_equals_xla():
    image, kernel, strides, padding = CASES[1]
    xs = jax.random.normal(jax.random.key(3), (3, *image))
    _, w = operands(image, kernel)

    def per_example(convolve):
        loss = lambda w, x: jnp.sum(jnp.sin(convolve(x, w, strides, padding)))  # noqa: E731
        return jax.jit(jax.vmap(jax.grad(loss), in_axes=(None, 0)))

    ours, xla = both(per_example)
    np.testing.assert_allclose(ours(w, xs), xla(w, xs), **TOLERANCE)


def test_repeated_calls_are_bitwise_equal():
    image, kernel, strides, padding = CASES[0]
    x, w = operands(image, kernel)
    grad = jax.jit(jax.grad(lambda w: jnp.sum(conv.conv2d(x, w, strides, padding) ** 2)))
    assert np.array_equal(grad(w), grad(w))


def test_conv_general_dilated_routes_only_plain_float32_convolutions():
    x, w = operands((1, 6, 6, 2), (3, 3, 2, 2))
    dims = lax.conv_dimension_numbers(x.shape, w.shape, conv.DIMENSIONS)

    def primitives(fn):
        jaxpr = jax.make_jaxpr(fn)(x, w)
        return {e.primitive.name for e in jaxpr.eqns}

    def plain(x, w):
        return conv.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dims)

    def dilated(x, w):
        return conv.conv_general_dilated(
            x, w, (1, 1), "SAME", rhs_dilation=(2, 2), dimension_numbers=dims
        )

    def half(x, w):
        return plain(x.astype(jnp.bfloat16), w.astype(jnp.bfloat16))

    assert primitives(plain) == {"jaxgen_conv_forward"}
    assert "conv_general_dilated" in primitives(dilated)
    assert "conv_general_dilated" in primitives(half)
    np.testing.assert_allclose(
        plain(x, w),
        lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=dims),
        **TOLERANCE,
    )
