"""Where one train step's time goes: ``python -m benchmarks.profile CASE [--top N]``.

Runs the case's step (as :mod:`benchmarks.run` times it) once to warm up, then once under
``jax.profiler.trace`` with a Perfetto trace, and sums the trace's events by name: on
XLA:CPU each executed HLO thunk (a fusion, a convolution, a dot, a copy) is one event.
Prints the top ``N`` names with their share of the step's wall time, grouped also by kind
(the name up to its first ``.`` or digit: ``convolution``, ``fusion``, ``ynn_fusion`` ...);
Python frames and the thunk executor's own events are left out. The trace
is left in ``benchmarks/results/profile-<case>/`` for Perfetto's UI.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import time
from pathlib import Path

import jax

from benchmarks import cases, measure
from benchmarks.run import RESULTS, prepare
from jaxgen.core.combinators import guard_nonfinite


def event_durations(trace_dir: Path) -> dict[str, float]:
    """Total microseconds per complete-event name over every thread of the newest trace."""
    path = max(trace_dir.rglob("perfetto_trace.json.gz"), key=lambda p: p.stat().st_mtime)
    events = json.loads(gzip.decompress(path.read_bytes()))
    events = events["traceEvents"] if isinstance(events, dict) else events
    totals: dict[str, float] = collections.defaultdict(float)
    for event in events:
        if event.get("ph") == "X" and "dur" in event:
            totals[event["name"]] += float(event["dur"])
    return totals


def kind_of(name: str) -> str:
    return re.split(r"[.\d]", name, maxsplit=1)[0] or name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    _, task, state, batch = prepare(cases.step_case(args.case))
    compiled, _ = measure.compile_timed(guard_nonfinite(task.step), state, batch)
    run = measure.step_runner(compiled, state, batch)
    run(1)
    out = RESULTS / f"profile-{args.case}"
    with jax.profiler.trace(str(out), create_perfetto_trace=True):
        start = time.perf_counter()
        run(1)
        step = (time.perf_counter() - start) * 1e6
    ops = {
        name: micros
        for name, micros in event_durations(out).items()
        if not name.startswith(("$", "ThunkExecutor"))  # Python frames, the executor itself
    }
    print(f"{args.case}: step {step / 1e6:.3f} s (wall, traced)")
    kinds: dict[str, float] = collections.defaultdict(float)
    for name, micros in ops.items():
        kinds[kind_of(name)] += micros
    for title, table in (("by kind", kinds), ("by event", ops)):
        print(f"\n{title} (share of the step; threads overlap, so shares can sum past 100%)")
        for name, micros in sorted(table.items(), key=lambda kv: -kv[1])[: args.top]:
            print(f"  {micros / step:7.1%}  {micros / 1e6:8.3f} s  {name}")


if __name__ == "__main__":
    main()
