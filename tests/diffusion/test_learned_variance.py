"""The learned reverse variance and L_hybrid (Nichol & Dhariwal 2021, §3.1)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments.configs.diffusion.digits_learned_variance import get_config
from experiments.configs.diffusion.ring8 import get_config as ring8_config
from experiments.families.diffusion import build, sampling_fn
from jaxgen.core import compiler
from jaxgen.diffusion.bound import variational_bound
from jaxgen.diffusion.hybrid import hybrid_terms
from jaxgen.diffusion.samplers import (
    ReverseProcess,
    ancestral_step,
    interpolated_log_variance,
    sample,
)
from jaxgen.diffusion.schedules import evenly_spaced, make_schedule, respace, schedule_from_betas
from jaxgen.diffusion.steps import make_diffusion_step
from jaxgen.errors import JaxgenError

LEARNED = ReverseProcess(variance="learned", clip=None)
X0 = jnp.asarray(np.random.default_rng(0).uniform(-1, 1, (3, 2, 2, 1)).round(1))


def toy_net(v: float, scale: float = 0.5):
    """ε̂ = scale·x_t with a constant v beside it: a denoiser with a learned variance."""
    return lambda xt, t: jnp.concatenate([scale * xt, jnp.full_like(xt, v)], axis=-1)


def fixed_net(scale: float = 0.5):
    return lambda xt, t: scale * xt


def test_the_interpolation_reaches_both_fixed_variances_and_their_geometric_mean():
    schedule = make_schedule("linear", 100)
    t = jnp.arange(1, 100)
    ones = jnp.ones((99, 1))
    large = interpolated_log_variance(schedule, ones, t)[:, 0]
    small = interpolated_log_variance(schedule, -ones, t)[:, 0]
    middle = interpolated_log_variance(schedule, 0 * ones, t)[:, 0]
    np.testing.assert_allclose(large, jnp.log(schedule.betas[1:]), rtol=1e-6)
    np.testing.assert_allclose(small, schedule.posterior_log_variance_clipped[1:], rtol=1e-6)
    np.testing.assert_allclose(middle, (large + small) / 2, rtol=1e-6)


def test_v_at_minus_one_is_the_small_fixed_variance_for_the_bound_and_the_sampler():
    schedule = make_schedule("linear", 50)
    key = jax.random.key(3)
    small = ReverseProcess(variance="small", clip=None)
    fixed = variational_bound(schedule, fixed_net(), X0, key, levels=11, reverse=small)
    learned = variational_bound(schedule, toy_net(-1.0), X0, key, levels=11, reverse=LEARNED)
    np.testing.assert_allclose(learned.total, fixed.total, rtol=1e-6)
    draws = [
        sample(ancestral_step(schedule=schedule, net=net, reverse=reverse), 50, key, (4, 2))
        for net, reverse in ((fixed_net(), small), (toy_net(-1.0), LEARNED))
    ]
    np.testing.assert_array_equal(*draws)


def test_on_a_respaced_schedule_v_reaches_the_respaced_fixed_variances():
    schedule = respace(make_schedule("linear", 1000), evenly_spaced(1000, 10))
    xt = jnp.ones((2, 3))
    for v, fixed in ((1.0, "large"), (-1.0, "small")):
        for i in range(1, 10):
            _, learned = LEARNED.mean_and_log_variance(schedule, toy_net(v), xt, i)
            _, expected = ReverseProcess(variance=fixed, clip=None).mean_and_log_variance(
                schedule, fixed_net(), xt, i
            )
            np.testing.assert_allclose(learned, jnp.broadcast_to(expected, xt.shape), rtol=1e-6)


@pytest.mark.parametrize("prediction", ["eps", "x0", "v"])
def test_every_prediction_splits_its_output_from_v_alike(prediction):
    """The same x̂_0 and mean from a learned-variance network as from the fixed one whose
    output is its first half, whatever the network predicts."""
    schedule = make_schedule("linear", 50)
    xt = jnp.linspace(-1, 1, 8).reshape(2, 4)
    learned = ReverseProcess(prediction=prediction, variance="learned")
    fixed = ReverseProcess(prediction=prediction, variance="small")
    for i in (0, 10, 49):
        np.testing.assert_array_equal(
            learned.predict(schedule, toy_net(0.3), xt, i)[0],
            fixed.predict(schedule, fixed_net(), xt, i)[0],
        )


def test_a_network_with_the_wrong_channels_for_its_variance_is_one_line():
    schedule = make_schedule("linear", 50)
    with pytest.raises(JaxgenError, match="outputs 4 channels for 2"):
        ReverseProcess(variance="large").predict(schedule, toy_net(0.0), jnp.ones((1, 2)), 3)
    with pytest.raises(JaxgenError, match="levels"):
        make_diffusion_step(schedule=schedule, learned_variance=True)


def test_l_vlb_trains_only_the_variance_and_l_simple_only_the_prediction():
    schedule = make_schedule("linear", 50)
    params = {"scale": jnp.asarray(0.5), "v": jnp.asarray(0.2)}

    def terms(p):
        net = lambda xt, t: jnp.concatenate(  # noqa: E731
            [p["scale"] * xt, jnp.full_like(xt, p["v"])], axis=-1
        )
        simple, vlb = hybrid_terms(schedule, net, X0, jax.random.key(0), levels=11)
        return simple.mean(), vlb.mean()

    d_simple = jax.grad(lambda p: terms(p)[0])(params)
    d_vlb = jax.grad(lambda p: terms(p)[1])(params)
    assert d_simple["v"] == 0 and d_simple["scale"] != 0
    assert d_vlb["scale"] == 0 and d_vlb["v"] != 0


def test_l_vlb_is_an_unbiased_estimate_of_the_bound_without_its_prior():
    """E_t[T·L_t] = Σ_t L_t: the Monte Carlo mean over t and ε of L_hybrid's L_vlb against the
    bound's sum of steps (both in bits per dimension), within 4 standard errors."""
    schedule = schedule_from_betas(np.linspace(0.05, 0.4, 10))
    net = toy_net(0.3)
    x0 = jnp.broadcast_to(X0[:1], (20000, *X0.shape[1:]))
    _, vlb = hybrid_terms(schedule, net, x0, jax.random.key(1), levels=11)
    terms = variational_bound(
        schedule, net, x0[:2000], jax.random.key(2), levels=11, reverse=LEARNED
    ).steps.sum(0)
    exact = float(terms.mean()) / (X0[0].size * np.log(2))
    error = float(vlb.std()) / np.sqrt(vlb.size)
    assert abs(float(vlb.mean()) - exact) < 4 * error, (float(vlb.mean()), exact, error)


def test_the_learned_config_trains_a_step_and_samples():
    config = get_config()
    config.model.channels, config.model.multipliers, config.model.groups = 8, (1,), 4
    config.model.attention_at = ()
    config.model.sample_steps = 3
    experiment = build(config)
    state = experiment.task.init_state(0)
    grid = np.random.default_rng(0).choice(np.linspace(-1, 1, 17), (4, 8, 8, 1))
    batch = {"x": jnp.asarray(grid, jnp.float32)}
    output = jax.eval_shape(
        lambda p: state.denoiser.forward(p, batch["x"], jnp.zeros(4, jnp.int32), train=False)[0],
        state.denoiser.params,
    )
    assert output.shape == (4, 8, 8, 2)  # ε and v
    state, metrics = compiler.jit(experiment.task.step)(state, batch)
    assert {"loss_simple", "loss_vlb"} <= set(metrics)
    assert np.isfinite(float(metrics["loss"]))
    draw = sampling_fn(config.model, make_schedule("linear", 1000), (8, 8, 1), "ancestral", 3)
    x = draw(state, jax.random.key(0), 2)
    assert x.shape == (2, 8, 8, 1) and np.all(np.isfinite(np.asarray(x)))


@pytest.mark.parametrize("setting", ["vector data", "guidance"])
def test_a_learned_variance_refuses_what_it_cannot_do(setting):
    config = ring8_config() if setting == "vector data" else get_config()
    config.model.variance = "learned"
    if setting == "guidance":
        config.model.num_classes, config.model.guidance = 10, 1.0
        with pytest.raises(JaxgenError, match="guidance"):
            sampling_fn(config.model, make_schedule("linear", 1000), (8, 8, 1), "ancestral", 3)
        return
    with pytest.raises(JaxgenError, match="continuous"):
        build(config)
