"""``python -m benchmarks.onednn_layers [CASE ...]``: every convolution of a train step, timed on
oneDNN and on XLA:CPU.

Traces each case's step (default: dcgan_32x32), collects the distinct convolution passes in
its jaxpr (forward, input gradient, weight gradient of :mod:`jaxgen.kernels.conv`, with their
shapes), and times each alone both ways: the primitive as the CPU lowers it (oneDNN when
built) and its XLA reference. Prints one row per pass with the count in the step, so the
column totals say where the step's convolution time goes.
"""

from __future__ import annotations

import argparse
import functools
import math
from collections import Counter

import jax
import numpy as np
from jax.extend.core import jaxprs_in_params

from benchmarks import cases, measure
from benchmarks.run import prepare
from jaxgen.kernels import conv


def convolution_passes(jaxpr) -> Counter:
    """(primitive, operand shapes, params) of each convolution pass, counted (nested jaxprs too)."""
    found = Counter()
    for eqn in jaxpr.eqns:
        if eqn.primitive in conv.REFERENCES:
            shapes = tuple(tuple(v.aval.shape) for v in eqn.invars)
            found[(eqn.primitive, shapes, tuple(sorted(eqn.params.items())))] += 1
        for sub in jaxprs_in_params(eqn.params):
            found.update(convolution_passes(sub))
    return found


def pass_flops(primitive, shapes, params) -> float:
    """2 · (output pixels of the forward) · k² · C_in · C_out, the same for all three passes."""
    params = dict(params)
    if primitive is conv.forward_p:
        x, w = shapes
        out = conv.forward_shape(*(jax.ShapeDtypeStruct(s, np.float32) for s in shapes), **params)
        return 2.0 * math.prod(out.shape[:3]) * math.prod(w)
    if primitive is conv.input_grad_p:
        dy, w = shapes
        return 2.0 * math.prod(dy[:3]) * math.prod(w)
    x, dy = shapes
    return 2.0 * math.prod(dy) * math.prod(params["kernel_size"]) * x[3]


def seconds(fn, args) -> float:
    compiled = jax.jit(fn).lower(*args).compile()
    return measure.time_calls(
        lambda n: [jax.block_until_ready(compiled(*args)) for _ in range(n)]
    ).seconds_per_call


def time_pass(primitive, shapes, params) -> tuple[float, float]:
    """Seconds per call of one pass as the CPU lowers it (oneDNN when built), then as XLA's."""
    args = [jax.random.normal(jax.random.key(i), s) for i, s in enumerate(shapes)]
    ours = functools.partial(primitive.bind, **dict(params))
    xla = functools.partial(conv.REFERENCES[primitive], **dict(params))
    return seconds(ours, args), seconds(xla, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["dcgan_32x32"])
    for name in parser.parse_args().cases:
        _, task, state, batch = prepare(cases.step_case(name))
        passes = convolution_passes(jax.make_jaxpr(task.step)(state, batch).jaxpr)
        print(f"\n{name}: {sum(passes.values())} convolution passes, {len(passes)} distinct")
        print("| pass | operands | count | oneDNN ms | XLA ms | oneDNN GFLOP/s | XLA GFLOP/s |")
        print("|---|---|---|---|---|---|---|")
        totals = np.zeros(2)
        for (primitive, shapes, params), count in sorted(passes.items(), key=lambda p: str(p[0])):
            ours, xla = time_pass(primitive, shapes, params)
            totals += count * np.array([ours, xla])
            flops = pass_flops(primitive, shapes, params)
            operands = " ".join("x".join(map(str, s)) for s in shapes)
            print(
                f"| {conv.PASS_NAMES[primitive]} | {operands} | {count} | {ours * 1e3:.2f} | "
                f"{xla * 1e3:.2f} | {flops / ours / 1e9:.0f} | {flops / xla / 1e9:.0f} |",
                flush=True,
            )
        print(f"total over the step: oneDNN {totals[0]:.3f} s, XLA {totals[1]:.3f} s")


if __name__ == "__main__":
    main()
