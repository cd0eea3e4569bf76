"""Step combinators keep the state's structure and dtypes, and do what their docstrings say."""

import functools

import chex
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxgen.core import alternate, guard_nonfinite, scan_steps, step_key, with_ema
from jaxgen.core.combinators import scan
from jaxgen.errors import JaxgenError
from jaxgen.gan import make_d_step, make_g_step, make_gan_step
from tests.conftest import as_numbers

LATENT = 3


def batch(n=8, lead=()):
    x = np.random.default_rng(0).standard_normal((*lead, n, 2)).astype(np.float32)
    return {"x": x}


def structure_and_dtypes(tree):
    return jax.tree.structure(tree), [(a.shape, a.dtype) for a in jax.tree.leaves(tree)]


COMBINED = {
    "alternate_k1": (lambda: make_gan_step(latent_dim=LATENT, k=1), (1,)),
    "alternate_k3": (lambda: make_gan_step(latent_dim=LATENT, k=3), (3,)),
    "scan_steps": (lambda: scan_steps(make_gan_step(latent_dim=LATENT), 4), (4, 1)),
    "scan_steps_unrolled": (
        lambda: scan_steps(make_gan_step(latent_dim=LATENT), 2, unroll=True),
        (2, 1),
    ),
    "with_ema": (lambda: with_ema(make_gan_step(latent_dim=LATENT), 0.9, net="g"), (1,)),
    "guard_nonfinite": (lambda: guard_nonfinite(make_gan_step(latent_dim=LATENT)), (1,)),
}


@pytest.mark.parametrize("name", sorted(COMBINED))
def test_combinator_keeps_structure_and_dtypes(name, gan_state):
    make, lead = COMBINED[name]
    new_state, metrics = jax.jit(make())(gan_state, batch(lead=lead))
    assert structure_and_dtypes(new_state) == structure_and_dtypes(gan_state)
    assert all(jnp.issubdtype(m.dtype, jnp.number) for m in jax.tree.leaves(metrics))


@pytest.mark.parametrize("name", sorted(COMBINED))
def test_jitted_step_does_not_retrace(name, gan_state):
    make, lead = COMBINED[name]
    chex.clear_trace_counter()
    step = jax.jit(chex.assert_max_traces(make(), n=1))
    state, _ = step(gan_state, batch(lead=lead))
    state, _ = step(state, batch(lead=lead))  # a second call with the new state: no retrace
    assert int(state.step) > int(gan_state.step)


def test_alternate_counts_updates_and_uses_each_minibatch(gan_state):
    k = 3
    state, metrics = jax.jit(make_gan_step(latent_dim=LATENT, k=k))(gan_state, batch(lead=(k,)))
    assert int(state.step) == k + 1
    assert set(metrics) == {"d_loss", "d_real", "d_fake", "g_loss"}


def test_alternate_equals_explicit_sequence(gan_state):
    d_step, g_step = make_d_step(latent_dim=LATENT), make_g_step(latent_dim=LATENT)
    b = batch(lead=(2,))
    combined, _ = jax.jit(alternate(d_step, g_step, 2))(gan_state, b)
    manual = gan_state
    manual, _ = d_step(manual, {"x": b["x"][0]})
    manual, _ = d_step(manual, {"x": b["x"][1]})
    manual, _ = g_step(manual, {"x": b["x"][1]})
    chex.assert_trees_all_close(as_numbers(combined), as_numbers(manual), atol=1e-6)


def test_d_step_leaves_generator_untouched_and_g_step_leaves_discriminator(gan_state):
    after_d, _ = jax.jit(make_d_step(latent_dim=LATENT))(gan_state, batch())
    chex.assert_trees_all_equal(after_d.g, gan_state.g)
    assert not np.allclose(
        after_d.d.params["Dense_0"]["kernel"], gan_state.d.params["Dense_0"]["kernel"]
    )
    after_g, _ = jax.jit(make_g_step(latent_dim=LATENT))(gan_state, batch())
    chex.assert_trees_all_equal(after_g.d, gan_state.d)
    assert not np.allclose(
        after_g.g.params["Dense_0"]["kernel"], gan_state.g.params["Dense_0"]["kernel"]
    )


def test_scan_steps_equals_repeated_calls(gan_state):
    step = make_gan_step(latent_dim=LATENT)
    b = batch(lead=(3, 1))
    scanned, metrics = jax.jit(scan_steps(step, 3))(gan_state, b)
    state = gan_state
    for i in range(3):
        state, last = jax.jit(step)(state, {"x": b["x"][i]})
    chex.assert_trees_all_close(as_numbers(scanned), as_numbers(state), atol=1e-6)
    assert metrics["g_loss"].shape == (3,)
    np.testing.assert_allclose(metrics["g_loss"][-1], last["g_loss"], atol=1e-6)


def test_with_ema_averages_generator_parameters(gan_state):
    decay = 0.75
    plain, _ = jax.jit(make_gan_step(latent_dim=LATENT))(gan_state, batch(lead=(1,)))
    averaged, _ = jax.jit(with_ema(make_gan_step(latent_dim=LATENT), decay, net="g", warmup=False))(
        gan_state, batch(lead=(1,))
    )
    expected = jax.tree.map(
        lambda e, p: decay * e + (1 - decay) * p, gan_state.g.ema_params, plain.g.params
    )
    chex.assert_trees_all_close(averaged.g.ema_params, expected, atol=1e-7)
    chex.assert_trees_all_equal(averaged.g.params, plain.g.params)


@pytest.mark.parametrize("decay", [0.5, 0.999])
def test_with_ema_warms_up_by_its_formula(gan_state, decay):
    """Over 30 updates the average follows ema_n = d_n ema_{n−1} + (1 − d_n) params_n with
    d_n = min(decay, (1 + n) / (10 + n)), n the state's step (a GAN's counts D and G updates),
    computed here in float64 from the raw parameters."""
    step = jax.jit(with_ema(make_gan_step(latent_dim=LATENT), decay, net="g"))
    state = gan_state
    expected = jax.tree.map(lambda e: np.asarray(e, np.float64), state.g.ema_params)
    for _ in range(30):
        state, _ = step(state, batch(lead=(1,)))
        n = int(state.step)
        d = min(decay, (1 + n) / (10 + n))
        expected = jax.tree.map(
            lambda e, p, d=d: d * e + (1 - d) * np.asarray(p, np.float64),
            expected,
            state.g.params,
        )
    assert int(state.step) == 60  # one D and one G update per call
    chex.assert_trees_all_close(state.g.ema_params, expected, rtol=1e-5, atol=1e-6)


def test_with_ema_rejects_a_network_without_ema(gan_state):
    with pytest.raises(JaxgenError, match="`ema`=True"):
        with_ema(make_gan_step(latent_dim=LATENT), 0.9, net="d")(gan_state, batch(lead=(1,)))


def test_guard_keeps_state_and_names_the_first_nonfinite_metric(gan_state):
    def poisoned(state, b):
        new, metrics = make_gan_step(latent_dim=LATENT)(state, b)
        return new, {**metrics, "g_loss": metrics["g_loss"] * jnp.nan}

    state, metrics = jax.jit(guard_nonfinite(poisoned))(gan_state, batch(lead=(1,)))
    chex.assert_trees_all_equal(as_numbers(state), as_numbers(gan_state))
    names = sorted(k for k in metrics if k != "nonfinite")
    assert names[int(metrics["nonfinite"])] == "g_loss"

    _, ok = jax.jit(guard_nonfinite(make_gan_step(latent_dim=LATENT)))(gan_state, batch(lead=(1,)))
    assert int(ok["nonfinite"]) == -1


def test_step_keys_depend_only_on_base_key_and_step(gan_state):
    a = step_key(gan_state)
    b = step_key(gan_state.replace(step=gan_state.step + 1))
    c = step_key(gan_state.replace(step=jnp.int32(0)))
    assert not np.array_equal(jax.random.key_data(a), jax.random.key_data(b))
    np.testing.assert_array_equal(jax.random.key_data(a), jax.random.key_data(c))


@pytest.mark.parametrize("length", [1, 3])
@pytest.mark.parametrize("reverse", [False, True])
def test_unrolled_scan_equals_lax_scan_and_has_no_loop(length, reverse):
    def f(carry, x):
        return carry * x + 1.0, {"seen": carry}

    xs = jnp.arange(1.0, 1.0 + 2 * length).reshape(length, 2)
    expected = jax.lax.scan(f, jnp.ones(2), xs, reverse=reverse)
    unrolled = functools.partial(scan, length=length, reverse=reverse, unroll=True)
    got = unrolled(f, jnp.ones(2), xs)
    for a, b in zip(jax.tree.leaves(got), jax.tree.leaves(expected), strict=True):
        np.testing.assert_array_equal(a, b)
    program = jax.jit(lambda c, x: unrolled(f, c, x)).lower(jnp.ones(2), xs).as_text()
    assert "while" not in program
