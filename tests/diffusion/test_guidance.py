"""Class-conditional diffusion and classifier-free guidance (Ho & Salimans 2022): an oracle
conditional ε of class-wise Gaussian data recovers each class, guidance at w = 0 is the
conditional model, the guided ε is eq. 6, label dropout drops the expected fraction, and the
conditional step trains on the labels it is given."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import linen as nn

from jaxgen.core import compiler
from jaxgen.diffusion import (
    ReverseProcess,
    ancestral_step,
    class_conditional,
    ddim_step,
    drop_labels,
    evenly_spaced,
    guided,
    init_diffusion_state,
    make_diffusion_step,
    make_schedule,
    respace,
    sample,
)
from jaxgen.errors import JaxgenError
from jaxgen.nn.labels import ClassEmbedding, check_labels, requested_labels
from jaxgen.nn.unet import UNet

MEANS = np.array([[-2.0, 0.0], [2.0, 1.0], [0.0, -3.0]])
STDS = np.array([0.5, 0.3, 0.8])
NUM_CLASSES = len(MEANS)
UNCLIPPED = ReverseProcess(clip=None)


def oracle(full):
    """E[ε | x_t, c] for x_0 | c ~ N(μ_c, s_c² I): √(1 − ᾱ)(x_t − √ᾱ μ_c)/(ᾱ s_c² + 1 − ᾱ);
    the null label's ε is that of N(0, I), whatever it is, the guided tests need one."""
    abar_table = jnp.asarray(full.alphas_cumprod)
    means = jnp.asarray(np.concatenate([MEANS, np.zeros((1, 2))]))
    variances = jnp.asarray(np.concatenate([STDS**2, np.ones(1)]))

    def net(xt, t, labels):
        abar = abar_table[t][:, None]
        variance = abar * variances[labels][:, None] + 1 - abar
        return jnp.sqrt(1 - abar) * (xt - jnp.sqrt(abar) * means[labels]) / variance

    return net


@pytest.mark.parametrize("sampler", ["ancestral", "ddim-100"])
def test_a_conditional_sampler_with_the_exact_class_noise_recovers_each_class(sampler):
    full = make_schedule("linear", 1000)
    labels = requested_labels(6000, NUM_CLASSES)
    net = class_conditional(oracle(full), labels)
    if sampler == "ancestral":
        schedule, step = full, ancestral_step(schedule=full, net=net, reverse=UNCLIPPED)
    else:
        schedule = respace(full, evenly_spaced(1000, 100))
        step = ddim_step(schedule=schedule, net=net, reverse=UNCLIPPED)
    x = np.asarray(
        compiler.jit(lambda k: sample(step, schedule.num_steps, k, (6000, 2)))(jax.random.key(0))
    )
    for c in range(NUM_CLASSES):
        mine = x[labels == c]
        np.testing.assert_allclose(mine.mean(0), MEANS[c], atol=0.05)
        np.testing.assert_allclose(mine.std(0), STDS[c], rtol=0.06)


def test_guidance_with_weight_zero_is_the_conditional_sampler():
    full = make_schedule("linear", 1000)
    schedule = respace(full, evenly_spaced(1000, 20))
    labels = requested_labels(300, NUM_CLASSES)

    def draw(net):
        step = ancestral_step(schedule=schedule, net=net, reverse=UNCLIPPED)
        return np.asarray(sample(step, schedule.num_steps, jax.random.key(1), (300, 2)))

    conditional = draw(class_conditional(oracle(full), labels))
    np.testing.assert_allclose(
        draw(guided(oracle(full), labels, 0.0, NUM_CLASSES)), conditional, atol=1e-6
    )
    assert not np.allclose(draw(guided(oracle(full), labels, 1.0, NUM_CLASSES)), conditional)


def test_the_guided_noise_is_eq_6():
    net = oracle(make_schedule("linear", 1000))
    xt = jax.random.normal(jax.random.key(2), (6, 2))
    t = jnp.array([0, 10, 100, 500, 900, 999])
    labels = jnp.array([0, 1, 2, 2, 1, 0])
    null = jnp.full(6, NUM_CLASSES)
    w = 2.5
    expected = (1 + w) * net(xt, t, labels) - w * net(xt, t, null)
    np.testing.assert_allclose(guided(net, labels, w, NUM_CLASSES)(xt, t), expected, rtol=1e-6)


def test_label_dropout_leaves_the_expected_fraction_unconditioned():
    labels = jnp.asarray(np.arange(200_000) % 10, jnp.int32)
    dropped = np.asarray(drop_labels(labels, jax.random.key(3), 0.1, 10))
    null = dropped == 10
    # binomial: 0.1 ± 4 standard deviations of a fraction of 200,000
    assert abs(null.mean() - 0.1) < 4 * np.sqrt(0.1 * 0.9 / len(labels))
    np.testing.assert_array_equal(dropped[~null], np.asarray(labels)[~null])
    assert np.all(drop_labels(labels, jax.random.key(3), 0.0, 10) == labels)
    assert np.all(drop_labels(labels, jax.random.key(3), 1.0, 10) == 10)


class TinyConditionalDenoiser(nn.Module):
    """ε(x_t, t, y): a dense map of x_t plus its label's embedding (with the null label)."""

    @nn.compact
    def __call__(self, x, t, labels):
        shift = ClassEmbedding(num_classes=10, features=x[0].size)(labels).reshape(x.shape)
        return nn.Dense(x.shape[-1])(x + shift) + 0 * t[:, None, None, None]


def tiny_conditional_state():
    settings = dict(denoiser=TinyConditionalDenoiser(), data_shape=(8, 8, 1), tx=optax.adam(1e-2))
    return init_diffusion_state(seed=0, num_classes=10, **settings)


def same(a, b) -> bool:
    return all(
        np.array_equal(u, v) for u, v in zip(jax.tree.leaves(a), jax.tree.leaves(b), strict=True)
    )


def test_the_conditional_step_trains_on_its_labels_and_drops_them_with_p_uncond():
    schedule = make_schedule("linear", 100)
    state = tiny_conditional_state()
    x = jax.random.uniform(jax.random.key(4), (8, 8, 8, 1), minval=-1, maxval=1)
    labels = jnp.arange(8, dtype=jnp.int32)

    def params_after(p_uncond, batch_labels):
        step = make_diffusion_step(schedule=schedule, num_classes=10, p_uncond=p_uncond)
        return step(state, {"x": x, "label": batch_labels})[0].denoiser.params

    with_labels = params_after(0.0, labels)
    all_dropped = params_after(1.0, labels)
    assert same(all_dropped, params_after(0.0, jnp.full(8, 10, jnp.int32)))
    assert not same(with_labels, all_dropped)  # the labels reach the network
    assert not same(with_labels, params_after(0.0, labels[::-1]))


def test_labels_outside_the_classes_and_a_unet_without_its_labels_are_refused():
    with pytest.raises(JaxgenError, match="label 10 is outside the model's classes 0 … 9"):
        requested_labels(4, 10, (3, 10))
    with pytest.raises(JaxgenError, match="label -1 is outside"):
        check_labels([-1], 10)
    with pytest.raises(JaxgenError, match="class indices"):
        check_labels([0.5], 10)
    np.testing.assert_array_equal(requested_labels(5, 10, (3, 5)), [3, 5, 3, 5, 3])
    unet = UNet(channels=4, multipliers=(1,), blocks=1, attention_at=(), groups=2, num_classes=10)
    x, t = jnp.zeros((1, 8, 8, 1)), jnp.zeros((1,), jnp.int32)
    with pytest.raises(JaxgenError, match="without labels"):
        jax.eval_shape(unet.init, jax.random.key(0), x, t)  # traced, never compiled
    with pytest.raises(JaxgenError, match="needs `num_classes` > 0"):
        make_diffusion_step(schedule=make_schedule("linear", 100), p_uncond=0.1)
