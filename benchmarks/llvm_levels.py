"""``python -m benchmarks.llvm_levels [CASE ...]``: each train step and its initial state
compiled at LLVM -O2 (XLA:CPU's default) and at jaxgen's level (:mod:`jaxgen.core.compiler`),
in one process.

For each case, with the persistent cache off: the initial state compiled at each level (its
compile seconds, and whether the two states are the same bits), then the step compiled at
each level from that state (compile seconds, whether one step gives the same bits), and
``--rounds`` rounds of steady-state timing alternating the two executables (the order
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
from benchmarks.run import prepare_without_state, table
from jaxgen.core import compiler
from jaxgen.core.combinators import guard_nonfinite

DEFAULT_LEVEL = {"xla_backend_optimization_level": 2}


@dataclass(frozen=True)
class LevelRow:
    case: str
    init_compile_o2: float
    init_compile_ours: float
    init_same_bits: bool
    step_compile_o2: float
    step_compile_ours: float
    step_same_bits: bool
    steps_per_second_o2: float
    steps_per_second_ours: float
    ours_over_o2: float


def compiled_at(options, fn, *args, static_argnums=()):
    """``(compiled, seconds)``: ``fn`` compiled ahead with ``options``."""
    jitted = jax.jit(fn, static_argnums=static_argnums, compiler_options=options)
    start = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    return compiled, time.perf_counter() - start


def same_bits(a, b) -> bool:
    def numbers(tree):
        keys = lambda x: jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)
        leaves = jax.tree.leaves(tree)
        return [np.asarray(jax.random.key_data(x) if keys(x) else x) for x in leaves]

    return all(np.array_equal(x, y) for x, y in zip(numbers(a), numbers(b), strict=True))


def compare(name: str, rounds: int) -> LevelRow:
    config, task, batch = prepare_without_state(cases.step_case(name))
    levels = {"o2": DEFAULT_LEVEL, "ours": compiler.options()}
    inits = {
        k: compiled_at(o, task.init_state, config.seed, static_argnums=0) for k, o in levels.items()
    }
    states = {k: compiled() for k, (compiled, _) in inits.items()}
    step = guard_nonfinite(task.step)
    steps = {k: compiled_at(o, step, states["o2"], batch) for k, o in levels.items()}
    after_one = {k: compiled(states["o2"], batch) for k, (compiled, _) in steps.items()}
    rates = {k: [] for k in levels}
    for r in range(rounds):
        for k in list(levels)[:: 1 if r % 2 == 0 else -1]:
            run = measure.step_runner(steps[k][0], states["o2"], batch)
            rates[k].append(1 / measure.time_calls(run, repeats=3).seconds_per_call)
    median = {k: statistics.median(v) for k, v in rates.items()}
    return LevelRow(
        name,
        round(inits["o2"][1], 1),
        round(inits["ours"][1], 1),
        same_bits(states["o2"], states["ours"]),
        round(steps["o2"][1], 1),
        round(steps["ours"][1], 1),
        same_bits(after_one["o2"], after_one["ours"]),
        measure.per_second(1, 1 / median["o2"]),
        measure.per_second(1, 1 / median["ours"]),
        round(median["ours"] / median["o2"], 3),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=[c.name for c in cases.STEPS])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    measure.cold_compiles()
    rows = []
    for name in args.cases:
        rows.append(compare(name, args.rounds))
        print(rows[-1], flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
