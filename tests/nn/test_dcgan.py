"""DCGAN networks: shapes for every supported size, and UpConv is a transposed convolution."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.core import compiler
from jaxgen.core.state import init_variables
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator, UpConv, by_transpose


# PyTorch's ConvTranspose2d(k, stride 2, padding p, output_padding q) is a stride-1
# convolution of the 2-dilated input padded by (k − 1 − p, k − 1 − p + q): DCGAN's k = 4,
# p = 1, q = 0 gives (2, 2); CycleGAN's k = 3, p = 1, q = 1 gives (1, 2).
@pytest.mark.parametrize("kernel, padding", [(4, (2, 2)), (3, (1, 2))])
@pytest.mark.parametrize("height, width", [(2, 2), (4, 5)])
def test_upconv_equals_lhs_dilated_convolution(kernel, padding, height, width):
    x = jax.random.normal(jax.random.key(0), (2, height, width, 4))
    layer = UpConv(features=6, kernel=kernel)
    params = layer.init(jax.random.key(1), x)
    params["params"]["Conv_0"]["bias"] = jnp.arange(6.0)
    kernel = params["params"]["Conv_0"]["kernel"]
    expected = jax.lax.conv_general_dilated(
        x,
        kernel,
        (1, 1),
        (padding, padding),
        lhs_dilation=(2, 2),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )
    expected = expected + jnp.arange(6.0)[None, None, None]
    np.testing.assert_allclose(layer.apply(params, x), expected, atol=1e-5)
    assert expected.shape == (2, 2 * height, 2 * width, 6)


# UpConv's form and its gradients equal the transposed convolution.
@pytest.mark.parametrize("form", [by_transpose])
@pytest.mark.parametrize("kernel, padding", [(4, (2, 2)), (3, (1, 2))])
def test_the_upsampling_form_and_its_gradients_equal_the_transposed_convolution(
    form, kernel, padding
):
    x = jax.random.normal(jax.random.key(0), (2, 4, 5, 3))
    w = jax.random.normal(jax.random.key(1), (kernel, kernel, 3, 6))
    cotangent = jax.random.normal(jax.random.key(2), (2, 8, 10, 6))

    def transposed(x, w):
        dims = ("NHWC", "HWIO", "NHWC")
        pads = (padding, padding)
        return jax.lax.conv_general_dilated(x, w, (1, 1), pads, (2, 2), dimension_numbers=dims)

    expected, expected_vjp = jax.vjp(transposed, x, w)
    value, form_vjp = jax.vjp(jax.jit(form), x, w)  # compiler_options: top-level jit only
    np.testing.assert_allclose(value, expected, atol=1e-4)
    for got, want in zip(form_vjp(cotangent), expected_vjp(cotangent), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-3)


@pytest.mark.parametrize("size, channels, base", [(8, 1, 2), (8, 1, 4), (32, 3, 4), (64, 3, 4)])
def test_generator_and_discriminator_shapes(size, channels, base):
    g = DCGANGenerator(image_size=size, channels=channels, features=8, base_size=base)
    d = DCGANDiscriminator(image_size=size, features=8, base_size=base)
    gv = compiler.jit(lambda: init_variables(g, jax.random.key(0), jnp.zeros((1, 10))))()
    images = compiler.jit(lambda v, z: g.apply(v, z, train=False))(gv, jnp.ones((3, 10)))
    assert images.shape == (3, size, size, channels)
    assert float(jnp.abs(images).max()) <= 1.0
    scores = compiler.jit(
        lambda x: d.apply(init_variables(d, jax.random.key(1), x), x, train=False)
    )
    assert scores(images).shape == (3, 1)
    assert "batch_stats" in gv


def test_unsupported_image_size_is_refused():
    with pytest.raises(ValueError, match="power-of-two image size"):
        DCGANGenerator(image_size=12, channels=1).init(
            jax.random.key(0), jnp.zeros((1, 4)), train=False
        )


@pytest.mark.parametrize("normalization", ["layer", "none"])
def test_critic_without_batch_norm_scores_each_example_on_its_own(normalization):
    """WGAN-GP's per-example penalty needs f(x_i) independent of the rest of the batch; with
    BatchNorm in training mode it is not."""
    images = jax.random.normal(jax.random.key(0), (4, 8, 8, 1))
    critic = DCGANDiscriminator(image_size=8, features=8, base_size=2, normalization=normalization)
    variables = compiler.jit(lambda x: init_variables(critic, jax.random.key(1), x))(images)
    assert "batch_stats" not in variables
    scores = compiler.jit(lambda v, x: critic.apply(v, x, train=True))
    together = scores(variables, images)
    alone = jnp.concatenate([scores(variables, images[i : i + 1]) for i in range(4)])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)
    batch_norm = DCGANDiscriminator(image_size=8, features=8, base_size=2)
    bn_vars = compiler.jit(lambda x: init_variables(batch_norm, jax.random.key(1), x))(images)
    bn_scores = compiler.jit(
        lambda v, x: batch_norm.apply(v, x, train=True, mutable=["batch_stats"])[0]
    )
    bn_together, bn_alone = bn_scores(bn_vars, images), bn_scores(bn_vars, images[:1])
    assert not np.allclose(bn_together[:1], bn_alone, atol=1e-3)


def test_unknown_normalization_is_refused():
    with pytest.raises(ValueError, match="unknown discriminator `normalization`"):
        critic = DCGANDiscriminator(image_size=8, base_size=2, normalization="group")
        critic.init(jax.random.key(0), jnp.zeros((1, 8, 8, 1)), train=False)
