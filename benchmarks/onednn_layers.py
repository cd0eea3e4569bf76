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

import jax
import numpy as np

from benchmarks import cases, measure
from benchmarks.run import prepare
from jaxgen.kernels import primitives


def seconds(fn, args) -> float:
    compiled = jax.jit(fn).lower(*args).compile()
    return measure.time_calls(
        lambda n: [jax.block_until_ready(compiled(*args)) for _ in range(n)]
    ).seconds_per_call


def time_pass(primitive, shapes, params) -> tuple[float, float]:
    """Seconds per call of one pass as the CPU lowers it (oneDNN when built), then as XLA's."""
    args = [jax.random.normal(jax.random.key(i), s) for i, s in enumerate(shapes)]
    ours = functools.partial(primitive.bind, **dict(params))
    xla = functools.partial(primitives.REFERENCES[primitive], **dict(params))
    return seconds(ours, args), seconds(xla, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=["dcgan_32x32"])
    for name in parser.parse_args().cases:
        _, task, state, batch = prepare(cases.step_case(name))
        passes = measure.convolution_passes(jax.make_jaxpr(task.step)(state, batch).jaxpr)
        print(f"\n{name}: {sum(passes.values())} convolution passes, {len(passes)} distinct")
        print("| pass | operands | count | oneDNN ms | XLA ms | oneDNN GFLOP/s | XLA GFLOP/s |")
        print("|---|---|---|---|---|---|---|")
        totals = np.zeros(2)
        for (primitive, shapes, _, params), count in sorted(
            passes.items(), key=lambda p: str(p[0])
        ):
            ours, xla = time_pass(primitive, shapes, params)
            totals += count * np.array([ours, xla])
            flops = measure.pass_flops(primitive, shapes, params)
            operands = " ".join("x".join(map(str, s)) for s in shapes)
            print(
                f"| {primitives.PASS_NAMES[primitive]} | {operands} | {count} | {ours * 1e3:.2f} | "
                f"{xla * 1e3:.2f} | {flops / ours / 1e9:.0f} | {flops / xla / 1e9:.0f} |",
                flush=True,
            )
        print(f"total over the step: oneDNN {totals[0]:.3f} s, XLA {totals[1]:.3f} s")


if __name__ == "__main__":
    main()
