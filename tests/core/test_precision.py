"""Mixed precision (``train.compute_dtype``): with bfloat16 the networks' matrix products run
in bfloat16 while every parameter, optimiser moment, EMA and BatchNorm statistic stays float32,
and the step's metrics stay close to the float32 step's."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from benchmarks import measure
from benchmarks.run import first_batch
from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.core.precision import cast_floating, compute_dtype
from jaxgen.errors import JaxgenError
from jaxgen.kernels import primitives
from tests.conftest import initial_state, short_config

CASES = {
    "gan.digits": {},  # DCGAN: BatchNorm statistics, transposed convolutions
    "wgan_gp.ring8": {},  # the penalty's gradient with respect to the input
    "cyclegan.digits": {"g_features": 4, "d_features": 4, "pool_size": 4},
    "diffusion.digits": {"channels": 8, "multipliers": (1,), "attention_at": (8,), "blocks": 1},
    "flow.digits": {"levels": 1, "steps": 2, "width": 8},
    "flow.ring8": {},
}
# Share of the step's matrix-product FLOPs that runs in bfloat16: all of them, except a flow's
# invertible 1x1 convolutions and their log-determinants, which stay float32.
BF16_SHARE = {"flow.digits": 0.95}
PRODUCTS = ("dot_general", "conv_general_dilated", *(p.name for p in primitives.REFERENCES))


def product_flops(eqn) -> float:
    """Multiply-adds x 2 of one dot_general or convolution equation."""
    out = eqn.outvars[0].aval
    lhs, rhs = (v.aval for v in eqn.invars[:2])
    if eqn.primitive in primitives.REFERENCES:  # jaxgen's convolution passes
        return measure.pass_flops(eqn.primitive, (lhs.shape, rhs.shape), eqn.params)
    if eqn.primitive.name == "dot_general":
        (contract, _), _ = eqn.params["dimension_numbers"]
        return 2.0 * np.prod(out.shape) * np.prod([lhs.shape[d] for d in contract])
    kernel_dims = eqn.params["dimension_numbers"].rhs_spec
    per_output = np.prod([rhs.shape[d] for d in kernel_dims[1:]])  # input features x window
    return 2.0 * np.prod(out.shape) * per_output


def products(jaxpr):
    """Every matrix-product equation in ``jaxpr`` and the jaxprs nested in it."""
    for eqn in jaxpr.eqns:
        if eqn.primitive.name in PRODUCTS:
            yield eqn
        for param in eqn.params.values():
            for sub in param if isinstance(param, tuple | list) else (param,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    yield from products(inner)


def step_parts(case: str, dtype: str):
    config = short_config(case, 1, **CASES[case])
    config.train.compute_dtype = dtype
    experiment = build_experiment(config)
    state = initial_state(experiment.task, config.seed)
    return experiment.task.step, state, first_batch(experiment, config)


def float_dtypes(tree) -> set:
    return {
        x.dtype
        for x in jax.tree.leaves(tree)
        if hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)
    }


@pytest.mark.parametrize("case", CASES)
def test_bfloat16_step_computes_in_bfloat16_and_keeps_a_float32_state(case):
    step, state, batch = step_parts(case, "bfloat16")
    eqns = list(products(jax.make_jaxpr(step)(state, batch).jaxpr))
    flops = {jnp.bfloat16: 0.0, jnp.float32: 0.0}
    for eqn in eqns:
        operand_dtypes = {v.aval.dtype for v in eqn.invars[:2]}
        assert len(operand_dtypes) == 1, f"mixed operands {operand_dtypes} in {eqn}"
        flops[operand_dtypes.pop().type] += product_flops(eqn)
    share = flops[jnp.bfloat16] / (flops[jnp.bfloat16] + flops[jnp.float32])
    assert share >= BF16_SHARE.get(case, 1.0), f"bfloat16 share of FLOPs {share:.3f}"

    new_state, metrics = compiler.jit(step)(state, batch)
    assert float_dtypes(state) == float_dtypes(new_state) == {jnp.dtype(jnp.float32)}

    step32, state32, _ = step_parts(case, "float32")
    _, metrics32 = compiler.jit(step32)(state32, batch)
    for name, value in metrics32.items():
        np.testing.assert_allclose(metrics[name], value, rtol=0.01, atol=0.005, err_msg=name)


def test_float32_step_has_no_bfloat16():
    step, state, batch = step_parts("gan.digits", "float32")
    eqns = list(products(jax.make_jaxpr(step)(state, batch).jaxpr))
    assert eqns and all(v.aval.dtype == jnp.float32 for e in eqns for v in e.invars[:2])


def test_cast_floating_leaves_integers_and_keys():
    tree = {"w": jnp.ones(2), "step": jnp.zeros((), jnp.int32), "key": jax.random.key(0)}
    cast = cast_floating(tree, jnp.bfloat16)
    assert cast["w"].dtype == jnp.bfloat16
    assert cast["step"].dtype == jnp.int32
    assert cast["key"] is tree["key"]


def test_unknown_compute_dtype_is_refused_naming_the_choices():
    with pytest.raises(JaxgenError, match="float32, bfloat16"):
        compute_dtype("float16")
