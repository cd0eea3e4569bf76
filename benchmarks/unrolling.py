"""``python -m benchmarks.unrolling``: the train steps whose inner loops the backend decides
(``alternate``'s k critic updates; Glow's steps of flow under ``Repeated``), compiled and run
on this machine with the CPU choice (unrolled) and with the GPU/TPU choice forced (rolled
``lax.scan``), cold (no compilation cache): compile seconds and steps/s of each.

This is the compile-time cost that ``jaxgen.core.backend`` avoids on accelerators by keeping
the loops rolled, and the run-time cost that XLA:CPU pays for a rolled loop of convolutions.
``--only SUBSTRING`` limits the cases; ``--batch_size N`` overrides theirs (glow_32x32 at its
paper batch of 64 compiles for minutes unrolled here).

Writes ``results/unrolling.{json,md}``, replacing the last run's (a partial run says so in
the name: ``unrolling-only-glow-batch-16``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
from dataclasses import asdict, dataclass

import jax

from benchmarks import cases, measure
from benchmarks.run import prepare, write_results
from jaxgen.core import backend
from jaxgen.core.combinators import guard_nonfinite

CASES = [
    cases.step_case("wgan_gp_dcgan_32x32"),
    cases.step_case("glow_8x8"),
    cases.Case("glow_32x32", "flow.glow_cifar10", tfds=True),
]


@dataclass(frozen=True)
class UnrollRow:
    case: str
    choice: str
    unrolled: bool
    batch_size: int
    compile_seconds: float
    steps_per_second: float


def bench(case: cases.Case, choice: str, batch_size: int | None) -> UnrollRow:
    with backend.forced(choice):
        config, task, state, batch = prepare(case, batch_size)
        step = guard_nonfinite(task.step)
        compiled, seconds = measure.compile_timed(step, state, batch)
    timing = measure.time_calls(measure.step_runner(compiled, state, batch), repeats=3)
    return UnrollRow(
        case.name,
        choice,
        choice == "cpu",
        config.data.batch_size,
        round(seconds, 2),
        measure.per_second(1, timing.seconds_per_call),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="")
    parser.add_argument("--batch_size", type=int, default=None)
    args = parser.parse_args()
    measure.cold_compiles()
    rows = []
    for case in (c for c in CASES if args.only in c.name):
        for choice in ("cpu", "gpu"):
            rows.append(bench(case, choice, args.batch_size))
            print(json.dumps(asdict(rows[-1])), flush=True)
    header = "| case | choice | unrolled | batch | compile s | steps/s |\n|---|---|---|---|---|---|"
    lines = [
        f"| {r.case} | {r.choice} | {r.unrolled} | {r.batch_size} | {r.compile_seconds} | "
        f"{r.steps_per_second} |"
        for r in rows
    ]
    markdown = "\n".join([header, *lines]) + "\n"
    record = {
        "date": str(datetime.date.today()),
        "host": platform.node(),
        "cpu": measure.cpu_model(),
        "jax": jax.__version__,
        "unrolling": [asdict(r) for r in rows],
    }
    kind = "unrolling" + (f"-only-{args.only}" if args.only else "")
    kind += f"-batch-{args.batch_size}" if args.batch_size else ""
    write_results(record, markdown, kind)


if __name__ == "__main__":
    main()
