"""One case's train step sharded as the training loop shards it (state replicated, batch split
on the ``data`` mesh axis over every visible device), timed, and its compiled HLO searched
for collectives. Run by ``benchmarks.run`` once per device count
(``XLA_FLAGS=--xla_force_host_platform_device_count=N``); prints one JSON line
(``--no-timing``: the collectives only).

Expected collectives: all-reduces only (the gradient mean over the batch, and batch
statistics). An all-gather, all-to-all or collective-permute would mean the compiler moved
data between devices that the data-parallel step does not need.
"""

from __future__ import annotations

import json
import re
import sys

import jax

from benchmarks import cases, measure
from benchmarks.run import first_batch
from experiments.train import build_experiment
from jaxgen.core import compiler, parallel

COLLECTIVES = ("all-reduce", "all-gather", "all-to-all", "collective-permute", "reduce-scatter")


def count_collectives(hlo: str) -> dict[str, int]:
    return {op: len(re.findall(rf"\b{op}(?:-start)?\(", hlo)) for op in COLLECTIVES}


def main(name: str, timed: bool = True) -> None:
    case = cases.step_case(name)
    config = case.config()
    mesh = parallel.data_mesh()
    with case.data_context():
        experiment = build_experiment(config)
        batch = first_batch(experiment, config)
    task = experiment.task
    state = parallel.init_replicated(lambda: task.init_state(config.seed), mesh)
    batch = parallel.put_batch(jax.device_get(batch), mesh, 1 if task.sub_batches else 0)
    step = compiler.jit(task.step, donate_argnums=0, out_shardings=parallel.replicated(mesh))
    compiled = step.lower(state, batch).compile()
    row = {"case": name, "devices": jax.device_count(), "batch_size": config.data.batch_size}
    if timed:
        runner = measure.step_runner(compiled, state, batch, block_each=True)
        timing = measure.time_calls(runner)
        row["steps_per_second"] = measure.per_second(1, timing.seconds_per_call)
    row.update(count_collectives(compiled.as_text()))
    print(json.dumps(row))


if __name__ == "__main__":
    main(sys.argv[1], timed="--no-timing" not in sys.argv[2:])
