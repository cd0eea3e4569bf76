"""``python -m benchmarks.lowerings [CASE ...]``: each convolutional train step with XLA's
convolutions and with oneDNN's, alternating in one process.

This VM's speed drifts by 10-30% between runs and hours, so the two lowerings are compared
back to back: for each case, ``--rounds`` rounds of (XLA, oneDNN), each a fresh state, a cold
compile (``jax.clear_caches()`` and the switch ``JAXGEN_CPU_CONVOLUTIONS``) and
:func:`benchmarks.measure.time_calls`; the table gives each lowering's best round and the
ratio of the two.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

import jax

from benchmarks import cases, measure
from benchmarks.run import guard_nonfinite, prepare, print_rows
from jaxgen.kernels import onednn


@dataclass(frozen=True)
class LoweringRow:
    case: str
    xla_steps_per_second: float
    onednn_steps_per_second: float
    speedup: float


def steps_per_second(name: str, lowering: str) -> float:
    os.environ[onednn.SWITCH] = lowering
    jax.clear_caches()
    _, task, state, batch = prepare(cases.step_case(name))
    compiled, _ = measure.compile_timed(guard_nonfinite(task.step), state, batch)
    return 1 / measure.time_calls(measure.step_runner(compiled, state, batch)).seconds_per_call


def compare(name: str, rounds: int) -> LoweringRow:
    best = {"xla": 0.0, "onednn": 0.0}
    for _ in range(rounds):
        for lowering in best:
            best[lowering] = max(best[lowering], steps_per_second(name, lowering))
    speedup = best["onednn"] / best["xla"]
    return LoweringRow(name, round(best["xla"], 2), round(best["onednn"], 2), round(speedup, 2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=cases.IMAGE_STEPS)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if not onednn.loaded():
        raise SystemExit("the oneDNN kernels are not built: run `python -m jaxgen.kernels.build`")
    measure.cold_compiles()
    print_rows(args.cases, lambda name: compare(name, args.rounds))


if __name__ == "__main__":
    main()
