"""Class-conditional GANs and discriminator regularisers: the projection discriminator's
decomposition (Miyato & Koyama 2018, eq. 3), spectral normalization's power iteration
(Miyato et al. 2018), R1 against finite differences (Mescheder et al. 2018), the D step's
penalty hook, and a conditional step that reads its labels."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import linen as nn

from experiments.train import build_experiment
from jaxgen.errors import JaxgenError
from jaxgen.gan import Penalty, init_gan_state, make_d_step, make_g_step, r1
from jaxgen.gan.penalties import r1_term
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator
from tests.conftest import short_config

X = jax.random.uniform(jax.random.key(0), (6, 8, 8, 1), minval=-1, maxval=1)
Y = jnp.array([0, 1, 2, 3, 9, 9], jnp.int32)


def pair(num_classes=10, spectral_norm=False, d_conditioning="projection"):
    return (
        DCGANGenerator(image_size=8, channels=1, features=8, base_size=2, num_classes=num_classes),
        DCGANDiscriminator(
            image_size=8,
            features=8,
            base_size=2,
            normalization="none",
            num_classes=num_classes,
            conditioning=d_conditioning,
            spectral_norm=spectral_norm,
        ),
    )


def test_the_projection_discriminator_is_psi_of_phi_plus_the_label_projection():
    _, d = pair()
    variables = d.init(jax.random.key(1), X, Y)
    params = variables["params"]
    width = params["projection"]["embedding"].shape  # random rows, not the N(0, 0.02) start
    params = {**params, "projection": {"embedding": jax.random.normal(jax.random.key(2), width)}}
    out, sown = d.apply({"params": params}, X, Y, mutable=["intermediates"])
    (phi,) = sown["intermediates"]["features"]
    psi = phi @ params["Dense_0"]["kernel"] + params["Dense_0"]["bias"][None]
    projection = jnp.sum(params["projection"]["embedding"][Y] * phi, axis=-1, keepdims=True)
    np.testing.assert_allclose(out, psi + projection, rtol=1e-5, atol=1e-6)
    other = d.apply({"params": params}, X, (Y + 1) % 10)
    assert not np.allclose(out, other)  # the label matters


def test_spectral_normalization_converges_to_the_largest_singular_value():
    layer = nn.SpectralNorm(nn.Dense(6))
    x = jax.random.normal(jax.random.key(3), (4, 9))
    variables = layer.init(jax.random.key(4), x, update_stats=False)
    kernel = np.asarray(variables["params"]["layer_instance"]["kernel"])
    top = np.linalg.svd(kernel, compute_uv=False)[0]
    stats = variables["batch_stats"]
    apply = jax.jit(
        lambda stats: layer.apply(
            {**variables, "batch_stats": stats}, x, update_stats=True, mutable=["batch_stats"]
        )
    )
    for _ in range(100):
        out, updated = apply(stats)
        stats = updated["batch_stats"]
    sigma = [float(v) for v in jax.tree.leaves(stats) if np.ndim(v) == 0][0]
    np.testing.assert_allclose(sigma, top, rtol=1e-4)
    bias = np.asarray(variables["params"]["layer_instance"]["bias"])
    np.testing.assert_allclose(out, np.asarray(x) @ (kernel / top) + bias, rtol=1e-4, atol=1e-5)


def test_r1_matches_its_finite_difference_value():
    w = jax.random.normal(jax.random.key(5), (12, 16))

    def critic(x):  # a smooth per-example score of (N, 12)
        return jnp.sum(jnp.tanh(x @ w) ** 2, axis=-1, keepdims=True)

    real = jax.random.normal(jax.random.key(6), (5, 12))
    value = float(r1_term(critic, real, None, None))
    eps = 1e-3
    grads = np.zeros(real.shape)
    for i in range(real.shape[1]):
        step = np.zeros(real.shape)
        step[:, i] = eps
        up = np.asarray(critic(real + step), np.float64)[:, 0]
        down = np.asarray(critic(real - step), np.float64)[:, 0]
        grads[:, i] = (up - down) / (2 * eps)
    expected = np.mean(np.sum(grads**2, axis=1))
    np.testing.assert_allclose(value, expected, rtol=2e-3)


def conditional_state(**networks):
    """A small conditional GAN state, its initialisation compiled (op by op, each parameter's
    initialiser would compile on its own)."""
    g, d = pair(**networks)
    settings = dict(
        generator=g,
        discriminator=d,
        latent_dim=4,
        data_shape=(8, 8, 1),
        g_tx=optax.adam(1e-3),
        d_tx=optax.adam(1e-3),
        num_classes=10,
    )
    return jax.jit(lambda: init_gan_state(seed=0, **settings))()


def test_a_penalty_given_to_the_d_step_adds_its_weighted_term():
    state = conditional_state()
    batch = {"x": X, "label": Y}
    mean_square = Penalty(
        name="mean_square",
        weight=0.5,
        term=lambda critic, real, fake, key: jnp.mean(critic(real) ** 2),
    )
    plain = make_d_step(latent_dim=4, objective="hinge", num_classes=10)
    hooked = make_d_step(
        latent_dim=4, objective="hinge", num_classes=10, penalties=(mean_square, r1(10.0))
    )
    _, base = jax.jit(plain)(state, batch)
    _, metrics = jax.jit(hooked)(state, batch)
    expected = base["d_loss"] + 0.5 * metrics["mean_square"] + 5.0 * metrics["r1_penalty"]
    np.testing.assert_allclose(metrics["d_loss"], expected, rtol=1e-6)
    assert float(metrics["r1_penalty"]) > 0


def test_the_conditional_steps_read_the_labels_and_keep_the_power_iteration_in_the_state():
    state = conditional_state(spectral_norm=True)
    d_step = jax.jit(make_d_step(latent_dim=4, objective="hinge", num_classes=10))
    after, _ = d_step(state, {"x": X, "label": Y})
    other, _ = d_step(state, {"x": X, "label": (Y + 1) % 10})
    leaves = lambda tree: jax.tree.leaves(tree)  # noqa: E731
    assert not all(
        np.array_equal(a, b)
        for a, b in zip(leaves(after.d.params), leaves(other.d.params), strict=True)
    )
    before_u, after_u = leaves(state.d.collections), leaves(after.d.collections)
    assert before_u and not all(
        np.array_equal(a, b) for a, b in zip(before_u, after_u, strict=True)
    )
    g_after, metrics = jax.jit(make_g_step(latent_dim=4, objective="hinge", num_classes=10))(
        after, {"x": X}
    )
    assert np.isfinite(metrics["g_loss"]) and int(g_after.g_steps) == 1
    g, _ = pair()
    z = jnp.ones((2, 4))
    two_labels = jnp.array([0, 1])
    variables = jax.jit(g.init)(jax.random.key(0), z, two_labels)
    assert not np.allclose(*jax.jit(g.apply)(variables, z, two_labels))  # G(z, y) depends on y


def test_conditional_settings_refuse_unlabelled_data_wrong_classes_and_unconditional_models():
    config = short_config("gan.digits_conditional", 1)
    config.data.name = "ring8"
    with pytest.raises(JaxgenError, match="has no labels; use a labelled dataset"):
        build_experiment(config)
    config = short_config("gan.digits_conditional", 1, num_classes=5)
    with pytest.raises(JaxgenError, match="has 10 classes; set --config.model.num_classes=10"):
        build_experiment(config)
    config = short_config("gan.digits_conditional", 1, sample_classes="3,12")
    with pytest.raises(JaxgenError, match="label 12 is outside the model's classes"):
        build_experiment(config)
    for name, setting in (
        ("gan.digits", {"sample_classes": "3"}),
        ("diffusion.digits", {"guidance": 1.0}),
    ):
        with pytest.raises(JaxgenError, match="asks an unconditional model for classes"):
            build_experiment(short_config(name, 1, **setting))
