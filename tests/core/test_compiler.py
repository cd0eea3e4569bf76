"""jaxgen compiles at LLVM -O1 on CPU (XLA's default is -O3), and initial states do not change
with the level."""

import jax
import jax.numpy as jnp
import pytest

from jaxgen.core import compiler
from tests.conftest import assert_same_values, tiny_gan_state


def executable_bytes(jitted, *args) -> bytes:
    """The serialised CPU executable: its machine code and the options it was compiled with."""
    return jitted.lower(*args).compile().runtime_executable().serialize()


def test_options_ask_cpu_for_llvm_o1_and_leave_other_backends_alone():
    assert compiler.options("cpu") == {"xla_backend_optimization_level": 1}
    assert compiler.options("gpu") is None
    assert compiler.options("tpu") is None


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the options apply on CPU only")
def test_jit_compiles_with_the_cpu_options_and_not_the_default():
    fn = lambda x: jnp.tanh(x) @ x.T + jnp.exp(-x).sum()
    x = jnp.ones((16, 16))
    ours = executable_bytes(compiler.jit(fn), x)
    assert ours == executable_bytes(jax.jit(fn, compiler_options=compiler.options("cpu")), x)
    assert ours != executable_bytes(jax.jit(fn), x)


def test_an_initial_state_is_the_same_bits_at_llvm_o1_as_at_the_default():
    """The threefry draws and their normal transform come out bit for bit at either level,
    so the faster compile leaves every run's starting point where it was."""
    init = lambda: tiny_gan_state(seed=3)
    assert_same_values(compiler.jit(init)(), jax.jit(init)())
