"""DCGAN networks: shapes for every supported size, and UpConv is a transposed convolution."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.core.state import init_variables
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator, UpConv


def test_upconv_equals_lhs_dilated_convolution():
    x = jax.random.normal(jax.random.key(0), (2, 3, 5, 4))
    layer = UpConv(6, use_bias=False)
    params = layer.init(jax.random.key(1), x)
    kernel = params["params"]["Conv_0"]["kernel"]
    expected = jax.lax.conv_general_dilated(
        x,
        kernel,
        (1, 1),
        ((2, 2), (2, 2)),
        lhs_dilation=(2, 2),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )
    np.testing.assert_allclose(layer.apply(params, x), expected, atol=1e-5)
    assert expected.shape == (2, 6, 10, 6)


@pytest.mark.parametrize("size, channels, base", [(8, 1, 2), (8, 1, 4), (32, 3, 4), (64, 3, 4)])
def test_generator_and_discriminator_shapes(size, channels, base):
    g = DCGANGenerator(size, channels, features=8, base_size=base)
    d = DCGANDiscriminator(size, features=8, base_size=base)
    gv = init_variables(g, jax.random.key(0), jnp.zeros((1, 10)))
    images = g.apply(gv, jnp.ones((3, 10)), train=False)
    assert images.shape == (3, size, size, channels)
    assert float(jnp.abs(images).max()) <= 1.0
    dv = init_variables(d, jax.random.key(1), images)
    assert d.apply(dv, images, train=False).shape == (3, 1)
    assert "batch_stats" in gv


def test_unsupported_image_size_is_refused():
    with pytest.raises(ValueError, match="power-of-two image size"):
        DCGANGenerator(12, 1).init(jax.random.key(0), jnp.zeros((1, 4)), train=False)
