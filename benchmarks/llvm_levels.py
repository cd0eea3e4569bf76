"""``python -m benchmarks.llvm_levels [CASE ...]``: each train step and its initial state
compiled at XLA:CPU's default LLVM level (``xla_backend_optimization_level`` 3) and at
jaxgen's (:mod:`jaxgen.core.compiler`), in one process.

For each case, with the persistent cache off: the initial state compiled at each level (its
compile seconds, and whether the two states are the same bits), then the step compiled at
each level from that state (compile seconds, whether one step gives the same bits). Every
compile starts from cleared in-memory caches, so it includes tracing and lowering (a second
``jit`` of the same function would otherwise reuse the first one's trace and look faster).
Each program is compiled at the default, at jaxgen's level, then at the default again, and
the second default compile is reported: a case's first compile also pays one-time costs.
Then ``--rounds`` rounds of steady-state timing alternating the two executables (the order
flipped every round, as this VM drifts; nothing donated, so both start from one state); the
table gives each level's median steps/s and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import jax
import numpy as np

from benchmarks import cases, measure
from benchmarks.run import prepare_without_state, print_rows
from jaxgen.core import compiler
from jaxgen.core.combinators import guard_nonfinite


@dataclass(frozen=True)
class LevelRow:
    case: str
    init_compile_default: float
    init_compile_ours: float
    init_same_bits: bool
    step_compile_default: float
    step_compile_ours: float
    step_same_bits: bool
    steps_per_second_default: float
    steps_per_second_ours: float
    ours_over_default: float


def compiled_at(options, fn, *args, static_argnums=()):
    """``(compiled, seconds)``: ``fn`` traced and compiled ahead with ``options``, JAX's
    in-memory caches cleared first (they would hand back an executable compiled before)."""
    jax.clear_caches()
    jitted = jax.jit(fn, static_argnums=static_argnums, compiler_options=options)
    start = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    return compiled, time.perf_counter() - start


def compiled_at_each(levels: dict, fn, *args, static_argnums=()) -> dict:
    """``{level: (compiled, seconds)}``, compiled in the order default, ours, default (the
    second default kept)."""
    compile = lambda options: compiled_at(options, fn, *args, static_argnums=static_argnums)
    compile(levels["default"])
    ours = compile(levels["ours"])
    return {"default": compile(levels["default"]), "ours": ours}


def same_bits(a, b) -> bool:
    def numbers(tree):
        keys = lambda x: jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)
        leaves = jax.tree.leaves(tree)
        return [np.asarray(jax.random.key_data(x) if keys(x) else x) for x in leaves]

    return all(np.array_equal(x, y) for x, y in zip(numbers(a), numbers(b), strict=True))


def compare(name: str, rounds: int) -> LevelRow:
    config, task, batch = prepare_without_state(cases.step_case(name))
    levels = {"default": None, "ours": compiler.options()}
    inits = compiled_at_each(levels, task.init_state, config.seed, static_argnums=0)
    states = {k: compiled() for k, (compiled, _) in inits.items()}
    step = guard_nonfinite(task.step)
    steps = compiled_at_each(levels, step, states["default"], batch)
    after_one = {k: compiled(states["default"], batch) for k, (compiled, _) in steps.items()}
    rates = {k: [] for k in levels}
    for r in range(rounds):
        for k in list(levels)[:: 1 if r % 2 == 0 else -1]:
            run = measure.step_runner(steps[k][0], states["default"], batch)
            rates[k].append(1 / measure.time_calls(run, repeats=3).seconds_per_call)
    median = {k: statistics.median(v) for k, v in rates.items()}
    return LevelRow(
        name,
        round(inits["default"][1], 1),
        round(inits["ours"][1], 1),
        same_bits(states["default"], states["ours"]),
        round(steps["default"][1], 1),
        round(steps["ours"][1], 1),
        same_bits(after_one["default"], after_one["ours"]),
        measure.per_second(1, 1 / median["default"]),
        measure.per_second(1, 1 / median["ours"]),
        round(median["ours"] / median["default"], 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=[c.name for c in cases.STEPS])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    measure.cold_compiles()
    print_rows(args.cases, lambda name: compare(name, args.rounds))


if __name__ == "__main__":
    main()
