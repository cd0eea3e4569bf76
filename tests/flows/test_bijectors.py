"""Contract tests over a registry of every bijector and model: the inverse undoes the forward
pass, the two log-dets are negatives, and the forward log-det equals log|det| of the Jacobian
computed by ``jax.jacfwd`` — at random parameters, not only at initialisation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.stats import norm

from jaxgen.core import compiler
from jaxgen.errors import JaxgenError
from jaxgen.flows import (
    ActNorm,
    Chain,
    Coupling,
    InvertibleConv1x1,
    LearnedPrior,
    LogitTransform,
    Permute,
    Repeated,
    Squeeze,
    channel_mask,
    checkerboard,
    coupling_flow,
    glow,
    half_mask,
    realnvp,
)
from jaxgen.flows.likelihood import log_prob
from jaxgen.flows.spline import SplineCoupling
from jaxgen.nn.conditioners import CouplingCNN, CouplingMLP

VECTOR, IMAGE = (5,), (4, 4, 2)


def conditioned_by(module) -> dict:
    """A Flax module as a coupling's conditioner: its ``apply`` and ``init``."""
    return {"conditioner": module.apply, "init_conditioner": module.init}


FIXED = {"p", "sign"}  # structural, not trained: left as initialised

REGISTRY = {
    "additive_coupling": (
        Coupling(
            mask=half_mask(5),
            **conditioned_by(CouplingMLP(hidden=(16,), out_dim=10)),
            transform="additive",
        ),
        VECTOR,
    ),
    "affine_coupling_tanh": (
        Coupling(mask=half_mask(5, True), **conditioned_by(CouplingMLP(hidden=(16,), out_dim=10))),
        VECTOR,
    ),
    "affine_coupling_sigmoid": (
        Coupling(
            mask=half_mask(5),
            **conditioned_by(CouplingMLP(hidden=(16,), out_dim=10)),
            transform="affine",
            scale="sigmoid",
        ),
        VECTOR,
    ),
    "spline_coupling": (
        SplineCoupling(
            dim=5,
            flip=False,
            **conditioned_by(CouplingMLP(hidden=(16,), out_dim=2 * 23)),
            bins=8,
            bound=2.0,
        ),
        VECTOR,
    ),
    "spline_coupling_flipped": (
        SplineCoupling(
            dim=5,
            flip=True,
            **conditioned_by(CouplingMLP(hidden=(16,), out_dim=3 * 23)),
            bins=8,
            bound=2.0,
        ),
        VECTOR,
    ),
    "spline_flow": (coupling_flow(dim=2, pairs=2, hidden=(16,), coupling="spline"), (2,)),
    "checkerboard_coupling": (
        Coupling(mask=checkerboard(*IMAGE), **conditioned_by(CouplingCNN(width=8, out_channels=4))),
        IMAGE,
    ),
    "channel_coupling": (
        Coupling(
            mask=channel_mask(*IMAGE, flip=True),
            **conditioned_by(CouplingCNN(width=8, out_channels=4)),
            transform="affine",
            scale="sigmoid",
        ),
        IMAGE,
    ),
    "actnorm_vector": (ActNorm(), VECTOR),
    "actnorm_image": (ActNorm(), IMAGE),
    "reverse": (Permute(), VECTOR),
    "random_permutation": (Permute(seed=3), IMAGE),
    "invertible_1x1_conv": (InvertibleConv1x1(), IMAGE),
    "squeeze": (Squeeze(), IMAGE),
    "learned_prior": (LearnedPrior(), IMAGE),
    "chain": (Chain((ActNorm(), InvertibleConv1x1(), Squeeze())), IMAGE),
    "repeated": (Repeated(layer=Chain((ActNorm(), Permute(seed=1))), count=3), VECTOR),
    "repeated_unrolled": (
        Repeated(
            layer=Chain(
                (
                    ActNorm(),
                    Coupling(
                        mask=checkerboard(*IMAGE),
                        **conditioned_by(CouplingCNN(width=8, out_channels=4)),
                    ),
                )
            ),
            count=2,
            unroll=True,
        ),
        IMAGE,
    ),
    "coupling_flow": (coupling_flow(dim=5, pairs=2, hidden=(16,)), VECTOR),
    "glow": (glow(image_shape=(4, 4, 1), levels=2, steps=1, width=4), (4, 4, 1)),
    "glow_learned_top": (
        glow(image_shape=(4, 4, 1), levels=2, steps=1, width=4, learn_top=True),
        (4, 4, 1),
    ),
    "realnvp": (realnvp(image_shape=(4, 4, 1), scales=2, width=4, depth=0), (4, 4, 1)),
}


def random_params(bijector, shape, seed=0):
    return compiler.jit(lambda key: perturbed_init(bijector, shape, key))(jax.random.key(seed))


def perturbed_init(bijector, shape, key):
    x = jax.random.normal(key, (16, *shape)) * 1.5 + 0.3
    params = bijector.init(jax.random.fold_in(key, 1), x)
    leaves, tree = jax.tree_util.tree_flatten_with_path(params)
    noise = jax.random.normal(jax.random.fold_in(key, 2), (sum(leaf.size for _, leaf in leaves),))
    perturbed, offset = [], 0
    for path, leaf in leaves:
        name = getattr(path[-1], "key", None)
        fixed = name in FIXED or not jnp.issubdtype(leaf.dtype, jnp.floating)
        step = noise[offset : offset + leaf.size].reshape(leaf.shape)
        perturbed.append(leaf if fixed else leaf + 0.1 * step)
        offset += leaf.size
    return jax.tree_util.tree_unflatten(tree, perturbed)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_round_trip_and_opposite_log_dets(name):
    bijector, shape = REGISTRY[name]
    params = random_params(bijector, shape)
    x = jax.random.normal(jax.random.key(7), (3, *shape))
    z, forward_log_det = compiler.jit(bijector.forward_and_log_det)(params, x)
    back, inverse_log_det = compiler.jit(bijector.inverse_and_log_det)(params, z)
    np.testing.assert_allclose(back, x, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(inverse_log_det, -forward_log_det, atol=1e-5, rtol=1e-5)
    assert forward_log_det.shape == (3,)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_log_det_equals_log_abs_det_jacobian(name):
    bijector, shape = REGISTRY[name]
    params = random_params(bijector, shape, seed=3)
    x = jax.random.normal(jax.random.key(11), (1, *shape))

    def log_dets_both_ways(params, x):  # one program: op by op, glow's compiled 191 times
        def flat_forward(v):
            return bijector.forward_and_log_det(params, v.reshape(1, *shape))[0].reshape(-1)

        _, expected = jnp.linalg.slogdet(jax.jacfwd(flat_forward)(x.reshape(-1)))
        return bijector.forward_and_log_det(params, x)[1], expected

    log_det, expected = compiler.jit(log_dets_both_ways)(params, x)
    np.testing.assert_allclose(log_det[0], expected, atol=2e-4, rtol=1e-4)
    volume_preserving = {"additive_coupling", "squeeze", "reverse", "random_permutation"}
    assert abs(float(log_det[0])) > 1e-3 or name in volume_preserving


def test_unrolling_repeated_layers_computes_the_same_flow():
    unrolled, shape = REGISTRY["repeated_unrolled"]
    rolled = Repeated(layer=unrolled.layer, count=unrolled.count, unroll=False)
    x = jax.random.normal(jax.random.key(5), (4, *shape))
    params = compiler.jit(unrolled.init)(jax.random.key(2), x)
    rolled_params = compiler.jit(rolled.init)(jax.random.key(2), x)
    for p, q in zip(jax.tree.leaves(params), jax.tree.leaves(rolled_params), strict=True):
        np.testing.assert_allclose(p, q, atol=1e-6)
    for method in ("forward_and_log_det", "inverse_and_log_det"):
        a = compiler.jit(getattr(unrolled, method))(params, x)
        b = compiler.jit(getattr(rolled, method))(params, x)
        for u, v in zip(a, b, strict=True):
            np.testing.assert_allclose(u, v, atol=1e-5, rtol=1e-5)


def test_actnorm_data_dependent_init_whitens_the_first_batch():
    spread = jnp.array([0.5, 2.0, 5.0]).reshape(1, 1, 1, 3)
    x = jax.random.normal(jax.random.key(0), (256, 4, 4, 3)) * spread + 3.0
    layer = ActNorm()
    z, _ = layer.forward_and_log_det(layer.init(jax.random.key(1), x), x)
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 1, 2)), 1.0, atol=1e-4)


def test_couplings_start_at_their_zero_conditioner_maps():
    """Zero last layers: a tanh coupling starts as the identity; a sigmoid coupling (Glow) as
    z = x·m + (1 − m)·x·σ(2), whose log-det is (transformed count)·log σ(2)."""
    x = jax.random.normal(jax.random.key(0), (4, *VECTOR))
    tanh_layer = REGISTRY["affine_coupling_tanh"][0]
    at_init = lambda layer, key: compiler.jit(
        lambda v: layer.forward_and_log_det(layer.init(key, v), v)
    )
    z, log_det = at_init(tanh_layer, jax.random.key(1))(x)
    np.testing.assert_allclose(z, x)
    np.testing.assert_allclose(log_det, 0.0)
    sigmoid_layer, shape = REGISTRY["channel_coupling"]
    images = jax.random.normal(jax.random.key(2), (4, *shape))
    _, log_det = at_init(sigmoid_layer, jax.random.key(3))(images)
    transformed = float(np.sum(1 - sigmoid_layer.mask))
    np.testing.assert_allclose(log_det, transformed * np.log(jax.nn.sigmoid(2.0)), rtol=1e-5)


@pytest.mark.parametrize("flip, kept", [(False, [0, 1, 2]), (True, [3, 4])])
def test_spline_coupling_keeps_half_mask_ones_and_splines_the_rest_elementwise(flip, kept):
    """z_c = x_c exactly; inside [−B, B] each z_t depends on its own x_t only through the
    spline (a diagonal block of the Jacobian) and on x_c through the conditioner."""
    name = "spline_coupling_flipped" if flip else "spline_coupling"
    layer, shape = REGISTRY[name]
    np.testing.assert_array_equal(np.flatnonzero(half_mask(5, flip)), kept)
    transformed = [i for i in range(5) if i not in kept]
    params = random_params(layer, shape, seed=4)
    x = jax.random.uniform(jax.random.key(9), (1, *shape), minval=-1.5, maxval=1.5)  # in [−B, B]
    forward = lambda v: layer.forward_and_log_det(params, v[None])[0][0]
    z, jacobian = compiler.jit(lambda v: (forward(v), jax.jacfwd(forward)(v)))(x[0])
    np.testing.assert_array_equal(z[np.array(kept)], x[0, np.array(kept)])
    assert np.all(np.abs(z[np.array(transformed)] - x[0, np.array(transformed)]) > 1e-4)
    block = np.asarray(jacobian)[np.ix_(transformed, transformed)]
    np.testing.assert_array_equal(block - np.diag(np.diag(block)), 0.0)
    assert np.all(np.abs(np.asarray(jacobian)[np.ix_(transformed, kept)]) > 0.0)


def test_spline_coupling_refuses_other_shapes_than_its_vectors():
    layer = REGISTRY["spline_coupling"][0]
    for shape in ((4, 4), (4, 5, 1)):
        with pytest.raises(JaxgenError, match=r"takes \(batch, 5\) vectors"):
            layer.init(jax.random.key(0), jnp.zeros(shape))


def test_permutation_has_no_parameters_and_a_flow_with_it_differentiates():
    flow = Chain((ActNorm(), Permute(seed=0), REGISTRY["affine_coupling_tanh"][0]))
    x = jax.random.normal(jax.random.key(0), (8, *VECTOR))
    params = compiler.jit(flow.init)(jax.random.key(1), x)
    grads = compiler.jit(jax.grad(lambda p: jnp.sum(flow.forward_and_log_det(p, x)[1])))(params)
    assert params[1] == {} and all(jnp.all(jnp.isfinite(g)) for g in jax.tree.leaves(grads))


def test_unknown_coupling_settings_are_refused():
    with pytest.raises(JaxgenError, match="unknown coupling `transform` .spline."):
        Coupling(
            mask=half_mask(2),
            **conditioned_by(CouplingMLP(hidden=(4,), out_dim=4)),
            transform="spline",
        )


def test_learned_prior_scores_under_the_learned_gaussian():
    """log N(h; μ, σ²) = log N((h − μ)/σ; 0, I) − Σ log σ (Glow's learned top prior)."""
    params = random_params(LearnedPrior(), IMAGE)
    h = jax.random.normal(jax.random.key(5), (3, *IMAGE))
    mean, scale = params["mean"][None], jnp.exp(params["log_scale"])[None]
    expected = norm.logpdf(h, mean, scale).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(log_prob(LearnedPrior(), params, h), expected, rtol=1e-5)


@pytest.mark.parametrize("alpha", [0.05, 1e-6])
def test_logit_transform_inverts_and_its_log_det_is_the_jacobians(alpha):
    """On dequantized pixels x̃ ∈ (−½, ½), the domain the transform is defined on."""
    layer = LogitTransform(alpha=alpha)
    x = jax.random.uniform(jax.random.key(0), (6, *IMAGE), minval=-0.49, maxval=0.49)
    y, log_det = layer.forward_and_log_det({}, x)
    back, inverse_log_det = layer.inverse_and_log_det({}, y)
    np.testing.assert_allclose(back, x, atol=1e-5)
    np.testing.assert_allclose(inverse_log_det, -log_det, rtol=1e-5)
    flat = x.reshape(6, -1)
    jacobians = jax.vmap(
        jax.jacfwd(lambda v: layer.forward_and_log_det({}, v.reshape(1, *IMAGE))[0].ravel())
    )(flat)
    np.testing.assert_allclose(jnp.linalg.slogdet(jacobians)[1], log_det, rtol=1e-4)


def test_actnorm_init_survives_a_constant_channel():
    x = jax.random.normal(jax.random.key(0), (32, *IMAGE)).at[..., 1].set(0.7)
    params = ActNorm().init(jax.random.key(1), x)
    assert float(params["log_scale"][1]) == 0.0 and np.all(np.isfinite(params["log_scale"]))
    z, _ = ActNorm().forward_and_log_det(params, x)
    np.testing.assert_allclose(z[..., 1], 0.0, atol=1e-5)  # float32 mean of 2048 values
    np.testing.assert_allclose(z[..., 0].std(), 1.0, rtol=1e-3)
