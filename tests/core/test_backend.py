"""The backend choices: decided in one place, recorded by a run, and applied where they act
(inner loops unrolled on CPU and rolled elsewhere; determinism refused where unknown)."""

import json
import warnings

import jax
import jax.numpy as jnp
import pytest

from jaxgen.core import backend
from jaxgen.flows.bijector import Chain, Repeated
from jaxgen.flows.layers import ActNorm
from jaxgen.gan import make_gan_step
from tests.conftest import short_config, tiny_gan_state


def loops_in(fn, *args) -> int:
    """How many loops (``scan``/``while``) the traced program of ``fn`` has (traced afresh:
    JAX caches traces by function, and the choice is made when tracing)."""
    text = str(jax.make_jaxpr(lambda *a: fn(*a))(*args))
    return text.count("scan[") + text.count("while[")


def test_alternate_unrolls_its_critic_updates_on_cpu_and_rolls_them_elsewhere():
    state = tiny_gan_state()
    batch = {"x": jnp.zeros((5, 8, 2))}
    step = make_gan_step(latent_dim=3, objective="wasserstein", k=5)
    with backend.forced("cpu"):
        assert loops_in(step, state, batch) == 0
    with backend.forced("gpu"):
        assert loops_in(step, state, batch) == 1
    with backend.forced("tpu"):
        assert loops_in(step, state, batch) == 1


def test_repeated_flow_layers_unroll_on_cpu_and_roll_elsewhere_unless_told():
    x = jax.random.normal(jax.random.key(0), (4, 2))
    for unroll, on_cpu, on_gpu in ((None, 0, 1), (False, 1, 1), (True, 0, 0)):
        flow = Repeated(layer=Chain((ActNorm(),)), count=6, unroll=unroll)
        params = flow.init(jax.random.key(1), x)
        forward = lambda p, x, flow=flow: flow.forward_and_log_det(p, x)
        with backend.forced("cpu"):
            assert loops_in(forward, params, x) == on_cpu, unroll
        with backend.forced("gpu"):
            assert loops_in(forward, params, x) == on_gpu, unroll


def test_the_choices_per_backend():
    with backend.forced("cpu"):
        cpu = backend.choices()
    with backend.forced("gpu"):
        gpu = backend.choices()
    assert (cpu.llvm_opt_level, cpu.unroll_inner_loops, cpu.deterministic) == (1, True, True)
    assert (gpu.llvm_opt_level, gpu.unroll_inner_loops, gpu.onednn_convolutions) == (
        None,
        False,
        False,
    )
    assert gpu.compiler_options() == {"xla_gpu_deterministic_ops": True}


def test_determinism_on_an_unknown_backend_is_refused_once():
    with backend.forced("metal"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = backend.choices(), backend.choices()
    assert not first.deterministic and not second.deterministic
    assert len(caught) == 1
    assert "train.deterministic=true cannot be honoured on backend 'metal'" in str(
        caught[0].message
    )


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="records the CPU choices")
def test_a_run_records_its_backend_choices_in_config_json(tmp_path):
    from experiments.train import train_and_evaluate

    config = short_config("gan.ring8", num_steps=2, every=2)
    config.eval.num_samples = 64
    train_and_evaluate(config, tmp_path)
    recorded = json.loads((tmp_path / "config.json").read_text())
    assert recorded["backend"] == backend.choices().record()
    assert recorded["backend"]["platform"] == "cpu"
    assert recorded["train"]["deterministic"] is True
