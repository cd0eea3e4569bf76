"""Convolution primitives over several devices, on an ``Auto`` mesh as jaxgen's: partitioned
by ``jit`` they keep XLA's convolution (the SPMD partitioner cannot split a custom call);
under ``shard_map`` each device calls oneDNN on its shard. Both equal the one-device
gradient. Runs in a subprocess with 2 virtual CPU devices."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.subprocess

SCRIPT = """
import jax, jax.numpy as jnp, numpy as np
from jax.sharding import AxisType, NamedSharding, PartitionSpec as P
from jaxgen.kernels import conv, onednn

mesh = jax.make_mesh((2,), ("data",), axis_types=(AxisType.Auto,))  # as jaxgen.core.parallel
x = jax.random.normal(jax.random.key(0), (4, 8, 8, 3))
w = jax.random.normal(jax.random.key(1), (3, 3, 3, 5))

def grad(x, w):
    return jax.grad(lambda w: jnp.sum(jnp.tanh(conv.conv2d(x, w, (1, 1), ((1, 1), (1, 1))))))(w)

want = jax.jit(grad)(x, w)
xs = jax.device_put(x, NamedSharding(mesh, P("data")))
partitioned = jax.jit(grad)
manual = jax.jit(jax.shard_map(
    lambda x, w: jax.lax.psum(grad(x, w), "data"), mesh=mesh, in_specs=(P("data"), P()),
    out_specs=P()))
target = onednn.target_name("weight_grad")
print("partitioned_onednn", target in partitioned.lower(xs, w).as_text())
print("manual_onednn", target in manual.lower(xs, w).as_text())
for name, fn in (("partitioned", partitioned), ("manual", manual)):
    np.testing.assert_allclose(fn(xs, w), want, rtol=1e-5, atol=1e-5)
print("equal")
"""


def test_sharded_convolutions_keep_xla_and_shard_map_calls_onednn():
    env = {"XLA_FLAGS": "--xla_force_host_platform_device_count=2", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.split()
    assert lines == ["partitioned_onednn", "False", "manual_onednn", "True", "equal"], lines
