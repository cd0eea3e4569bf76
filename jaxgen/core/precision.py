"""Mixed precision: float32 parameters and optimiser state, lower-precision computation.

The policy of Micikevicius et al. 2018 (§3.1, "FP32 master copy of weights") for bfloat16:
each forward pass runs on ``cast(θ)`` and ``cast(x)`` in the compute dtype and returns its
outputs in float32,

    y = float32(f(bf16(θ), bf16(x))),

so losses are summed in float32 and, since the gradient of a cast is the cast back,
∇θ arrives in float32 and the optimiser updates the float32 θ. bfloat16 keeps float32's
exponent range, so no loss scaling is needed (Kalamkar et al. 2019, §3). Normalisation
layers compute their statistics in float32 (flax's ``force_float32_reductions``), and
their running statistics stay float32.

bfloat16 is an option for GPUs and TPUs, whose matrix units run it natively; ``make bench``
(the ``*_bf16`` rows) says what it gains on a CPU.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError

COMPUTE_DTYPES = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


def compute_dtype(name: str) -> Any:
    """The dtype called ``name``: ``"float32"`` or ``"bfloat16"``."""
    if name not in COMPUTE_DTYPES:
        raise JaxgenError(
            f"unknown compute dtype {name!r}; set `compute_dtype` to one of "
            f"{', '.join(COMPUTE_DTYPES)}"
        )
    return COMPUTE_DTYPES[name]


def cast_floating(tree: Any, dtype: Any) -> Any:
    """``tree`` with every floating-point array cast to ``dtype``; integers, booleans and
    keys are left as they are."""

    def cast(x):
        is_float = hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)
        return x.astype(dtype) if is_float else x

    return jax.tree.map(cast, tree)


def apply_in(dtype: Any, apply_fn, params: Any, *args: Any) -> Any:
    """``float32(apply_fn(dtype(params), *dtype(args)))``: one network evaluated in ``dtype``
    (a flow's coupling conditioner; the coupling's log-determinant stays float32)."""
    out = apply_fn(cast_floating(params, dtype), *cast_floating(args, dtype))
    return cast_floating(out, jnp.float32)
