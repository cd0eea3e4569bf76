"""jaxgen compiles at LLVM -O1 on CPU (XLA's default is -O3), and initial states do not change
with the level."""

import jax
import jax.numpy as jnp
import pytest

from jaxgen.core import backend, compiler
from tests.conftest import assert_same_values, tiny_gan_state


def executable_bytes(jitted, *args) -> bytes:
    """The serialised CPU executable: its machine code and the options it was compiled with."""
    return jitted.lower(*args).compile().runtime_executable().serialize()


def test_options_ask_cpu_for_llvm_o1_gpu_for_determinism_and_leave_tpu_alone():
    with backend.forced("cpu"):
        assert compiler.options() == {"xla_backend_optimization_level": 1}
    with backend.forced("gpu"):
        assert compiler.options() == {"xla_gpu_deterministic_ops": True}
        backend.set_deterministic(False)
        try:
            assert compiler.options() is None
        finally:
            backend.set_deterministic(True)
    with backend.forced("tpu"):
        assert compiler.options() is None


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the options apply on CPU only")
def test_jit_compiles_with_the_cpu_options_and_not_the_default():
    fn = lambda x: jnp.tanh(x) @ x.T + jnp.exp(-x).sum()
    x = jnp.ones((16, 16))
    ours = executable_bytes(compiler.jit(fn), x)
    llvm_o1 = {"xla_backend_optimization_level": 1}
    assert ours == executable_bytes(jax.jit(fn, compiler_options=llvm_o1), x)
    assert ours != executable_bytes(jax.jit(fn), x)


def test_an_initial_state_is_the_same_bits_at_llvm_o1_as_at_the_default():
    """The threefry draws and their normal transform come out bit for bit at either level,
    so the faster compile leaves every run's starting point where it was."""
    init = lambda: tiny_gan_state(seed=3)
    assert_same_values(compiler.jit(init)(), jax.jit(init)())
