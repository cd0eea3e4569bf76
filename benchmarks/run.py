"""``make bench``: compile time, steady-state speed, FLOP/s and memory of every default train
step, the diffusion and flow-matching samplers and the FID Inception; each image step fed by
its data pipeline against one device-resident batch; speed against batch size, against
device count, and with several steps per dispatch under ``lax.scan`` (rolled and unrolled)
against one per call.

Writes ``benchmarks/results/bench.json`` and its tables in ``bench.md`` (also printed),
replacing the last run's; ``--pipeline-only`` writes ``pipeline.{json,md}``. ``--only
SUBSTRING`` limits the step and sampler cases and ``--skip-scaling`` skips both scalings: such
a partial run says so in its file name (``bench-only-dcgan-no-scaling.md``), so it never
replaces a full one. Methods: :mod:`benchmarks.measure`; cases: :mod:`benchmarks.cases`.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import cases, measure
from benchmarks.inception import bench_inception
from experiments.families.diffusion import sampling_fn
from experiments.train import build_experiment, loop_settings
from jaxgen.core import compiler, parallel
from jaxgen.core.combinators import guard_nonfinite, scan_steps
from jaxgen.diffusion import make_schedule
from jaxgen.training import loop

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class StepRow:
    case: str
    config: str
    batch_size: int
    compile_seconds: float
    steps_per_second: float
    gflop_per_step: float
    fraction_of_matmul_peak: float
    peak_memory_mib: float


@dataclass(frozen=True)
class SamplerRow:
    case: str
    samples_per_call: int
    compile_seconds: float
    samples_per_second: float
    gflop_per_call: float
    fraction_of_matmul_peak: float
    peak_memory_mib: float


@dataclass(frozen=True)
class ODESamplerRow:
    case: str
    samples_per_call: int
    nfe: int
    compile_seconds: float
    samples_per_second: float
    ms_per_nfe: float


def first_batch(experiment, config):
    """Batch 0 on device, shaped as the loop feeds it (a leading axis k for k sub-batches)."""
    batch = experiment.dataset.get_batch(0, config.data.batch_size)
    if experiment.task.sub_batches:
        k = experiment.task.sub_batches
        rows = [experiment.dataset.get_batch(j, config.data.batch_size) for j in range(k)]
        batch = {key: np.stack([r[key] for r in rows]) for key in batch}
    return jax.device_put(batch)


@dataclass(frozen=True)
class DispatchRow:
    case: str
    steps_per_dispatch: int
    unroll: bool
    compile_seconds: float
    steps_per_second: float


def prepare(case: cases.Case, batch_size: int | None = None):
    """(config, task, state, batch on device) for one case."""
    config = case.config()
    if batch_size:
        config.data.batch_size = batch_size
    with case.data_context():
        experiment = build_experiment(config)
        batch = first_batch(experiment, config)
    task = experiment.task
    state = compiler.jit(task.init_state, static_argnums=0)(config.seed)
    return config, task, state, batch


def bench_step(case: cases.Case, peak: float, batch_size: int | None = None) -> StepRow:
    """The step as the training loop runs it (``guard_nonfinite`` around the family's step)."""
    return bench_prepared(case, prepare(case, batch_size), peak)


def bench_prepared(case: cases.Case, prepared: tuple, peak: float) -> StepRow:
    """:func:`bench_step` on ``prepared``, :func:`prepare`'s (config, task, state, batch); the
    state is donated to the step."""
    config, task, state, batch = prepared
    step = guard_nonfinite(task.step)
    compiled, compile_seconds = measure.compile_timed(step, state, batch)
    timing = measure.time_calls(measure.step_runner(compiled, state, batch))
    flops = measure.flops_of(compiled, step, state, batch)
    return StepRow(
        case.name,
        case.module,
        config.data.batch_size,
        round(compile_seconds, 2),
        measure.per_second(1, timing.seconds_per_call),
        round(flops / 1e9, 4),
        round(flops / timing.seconds_per_call / peak, 4),
        round(measure.peak_bytes(compiled) / 2**20, 1),
    )


@dataclass(frozen=True)
class PipelineRow:
    case: str
    batch_size: int
    fed_steps_per_second: float
    resident_steps_per_second: float
    fed_over_resident: float


def bench_pipeline(case: cases.Case, rounds: int = 9, target_seconds: float = 0.3) -> PipelineRow:
    """Steps/s of the step fed as the training loop feeds it (each step's batch made from the
    dataset and transferred, ahead, by ``loop.device_batches``) against the same step on one
    device-resident batch, timed alternately for ``rounds`` short rounds: the medians of each,
    and the median of the rounds' ratios (a shared machine's speed drifts by more than the
    difference measured, and a round's two timings drift together)."""
    with case.data_context():
        config = case.config()
        experiment = build_experiment(config)
        task = experiment.task
        state = compiler.jit(task.init_state, static_argnums=0)(config.seed)
        settings = replace(loop_settings(config), steps_per_dispatch=1)
        mesh = parallel.data_mesh()
        with loop.device_batches(
            experiment.dataset, settings, task.sub_batches, mesh, itertools.count()
        ) as batches:
            batch = next(batches)
            step = guard_nonfinite(task.step)
            compiled, _ = measure.compile_timed(step, state, batch)
            holder = [state]  # the state each call returns, donated to the next

            def runner(batch_of_call):
                def run(n: int):
                    for _ in range(n):
                        holder[0], _ = compiled(holder[0], batch_of_call())
                    jax.block_until_ready(holder[0])

                return run

            runs = {"fed": runner(lambda: next(batches)), "resident": runner(lambda: batch)}
            rates = {"fed": [], "resident": []}
            for _ in range(rounds):
                for name, run in runs.items():
                    timing = measure.time_calls(run, repeats=3, target_seconds=target_seconds)
                    rates[name].append(1 / timing.seconds_per_call)
    fed_rate, resident_rate = (statistics.median(rates[k]) for k in ("fed", "resident"))
    ratios = [f / r for f, r in zip(rates["fed"], rates["resident"], strict=True)]
    return PipelineRow(
        case.name,
        config.data.batch_size,
        measure.per_second(1, 1 / fed_rate),
        measure.per_second(1, 1 / resident_rate),
        round(statistics.median(ratios), 3),
    )


def bench_dispatch(case: cases.Case, n: int, unroll: bool) -> DispatchRow:
    """Steps/s with ``n`` steps per dispatch under ``lax.scan`` (rolled or unrolled)."""
    _, task, state, batch = prepare(case)
    step = guard_nonfinite(task.step)
    if n > 1:
        step = scan_steps(step, n, unroll=unroll)
        batch = jax.tree.map(lambda x: jnp.broadcast_to(x, (n, *x.shape)), batch)
    compiled, compile_seconds = measure.compile_timed(step, state, batch)
    timing = measure.time_calls(measure.step_runner(compiled, state, batch))
    return DispatchRow(
        case.name,
        n,
        unroll,
        round(compile_seconds, 2),
        measure.per_second(n, timing.seconds_per_call),
    )


def bench_sampler(case: cases.Case, peak: float) -> SamplerRow:
    config = case.config()
    model, n = config.model, cases.SAMPLES_PER_CALL
    experiment = build_experiment(config)
    shape = experiment.task.input_shape
    schedule = make_schedule(model.schedule, model.num_timesteps)
    run = sampling_fn(model, schedule, shape, model.sampler, model.sample_steps)
    state = experiment.task.init_state(config.seed)
    key = jax.random.key(0)
    compiled, compile_seconds = measure.compile_timed(
        lambda s, k: run(s, k, n), state, key, donate=False
    )

    def calls(count: int):
        for _ in range(count):
            out = compiled(state, key)
        jax.block_until_ready(out)

    timing = measure.time_calls(calls, repeats=3, target_seconds=0.0)
    steps = model.sample_steps or model.num_timesteps
    # XLA counts a loop body once
    flops = measure.flops_of(compiled, lambda s, k: run(s, k, n), state, key) * steps
    return SamplerRow(
        case.name,
        n,
        round(compile_seconds, 2),
        measure.per_second(n, timing.seconds_per_call),
        round(flops / 1e9, 3),
        round(flops / timing.seconds_per_call / peak, 4),
        round(measure.peak_bytes(compiled) / 2**20, 1),
    )


def bench_ode_sampler(case: cases.Case) -> ODESamplerRow:
    """A flow-matching model's ODE sampler (fixed-step solvers: the NFE is the case's): the
    samples per second of one call, and the milliseconds per network call."""
    config = case.config()
    n = cases.SAMPLES_PER_CALL
    experiment = build_experiment(config)
    state = experiment.task.init_state(config.seed)
    key = jax.random.key(0)
    run, compile_seconds = measure.compile_timed(
        lambda s, k: experiment.sample.sample_fn(s, k, n), state, key, donate=False
    )

    def calls(count: int):
        for _ in range(count):
            out = run(state, key)
        jax.block_until_ready(out)

    timing = measure.time_calls(calls, repeats=3, target_seconds=0.0)
    nfe = int(run(state, key)[1].nfe)
    return ODESamplerRow(
        case.name,
        n,
        nfe,
        round(compile_seconds, 2),
        measure.per_second(n, timing.seconds_per_call),
        round(1e3 * timing.seconds_per_call / nfe, 3),
    )


def device_scaling(name: str) -> list[dict]:
    """The sharded step of case ``name`` on 1, 2, 4, 8 virtual CPU devices, each count in its
    own process (the device count is fixed when JAX starts)."""
    rows = []
    for count in cases.DEVICE_COUNTS:
        env = {"XLA_FLAGS": f"--xla_force_host_platform_device_count={count}"}
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.sharded", name],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return rows


def shown(row):
    """``row``, printed as it is measured (a long run shows progress)."""
    print(row if isinstance(row, dict) else asdict(row), flush=True)
    return row


def table(rows: list) -> str:
    fields = list(asdict(rows[0]))
    lines = ["| " + " | ".join(fields) + " |", "|" + "---|" * len(fields)]
    lines += ["| " + " | ".join(str(v) for v in asdict(r).values()) + " |" for r in rows]
    return "\n".join(lines)


def dict_table(rows: list[dict]) -> str:
    fields = list(rows[0])
    lines = ["| " + " | ".join(fields) + " |", "|" + "---|" * len(fields)]
    lines += ["| " + " | ".join(str(r[f]) for f in fields) + " |" for r in rows]
    return "\n".join(lines)


def provenance(record: dict) -> str:
    """The markdown's first line: when, where and on what the run was made (from ``record``;
    the file's name says only which kind of run it is)."""
    machine = ", ".join(str(record[k]) for k in ("cpu", "device") if record.get(k))
    where = f"{record['host']} ({machine})" if machine else record["host"]
    return f"Run on {record['date']} on {where}, jax {record['jax']}."


def write_results(record: dict, markdown: str, kind: str, directory: Path | None = None):
    """``<directory>/<kind>.json`` (``record``) and ``<kind>.md`` (``markdown`` under
    :func:`provenance`'s line), ``results/`` by default, replacing the last run's of that kind
    (earlier ones stay in git's history); prints the markdown."""
    directory = RESULTS if directory is None else directory
    directory.mkdir(parents=True, exist_ok=True)
    markdown = f"{provenance(record)}\n\n{markdown}"
    (directory / f"{kind}.json").write_text(json.dumps(record, indent=2) + "\n")
    (directory / f"{kind}.md").write_text(markdown)
    print(markdown)


def result_kind(only: str, skip_scaling: bool, pipeline_only: bool) -> str:
    """The results file's name: ``bench`` for a full run, ``pipeline`` for the pipeline alone,
    and a partial run named as such (``bench-only-dcgan-no-scaling``)."""
    kind = "pipeline" if pipeline_only else "bench"
    kind += f"-only-{only}" if only else ""
    return kind + ("-no-scaling" if skip_scaling and not pipeline_only else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--pipeline-only", action="store_true", help="fed against resident only")
    args = parser.parse_args()

    measure.cold_compiles()
    peak = measure.matmul_peak_flops()

    def chosen(named: list[cases.Case]) -> list[cases.Case]:
        return [] if args.pipeline_only else [c for c in named if args.only in c.name]

    steps = [shown(bench_step(c, peak)) for c in chosen(cases.STEPS)]
    samplers = [shown(bench_sampler(c, peak)) for c in chosen(cases.SAMPLERS)]
    ode_samplers = [shown(bench_ode_sampler(c)) for c in chosen(cases.ODE_SAMPLERS)]
    features = []
    if not args.pipeline_only and args.only in "fid_inception_299":
        features.append(shown(bench_inception(peak, batch=cases.INCEPTION_BATCH)))
    pipeline = [
        shown(bench_pipeline(cases.step_case(name)))
        for name in cases.IMAGE_STEPS
        if args.only in name
    ]
    batch_rows, device_rows, dispatch_rows = [], [], []
    if not (args.skip_scaling or args.pipeline_only):
        for name, sizes in cases.BATCH_SCALING.items():
            batch_rows += [shown(bench_step(cases.step_case(name), peak, s)) for s in sizes]
        for name in cases.DEVICE_SCALING:
            device_rows += [shown(row) for row in device_scaling(name)]
        for name in cases.DISPATCH:
            case = cases.step_case(name)
            n = cases.STEPS_PER_DISPATCH
            for per_dispatch, unroll in ((1, False), (n, False), (n, True)):
                dispatch_rows.append(shown(bench_dispatch(case, per_dispatch, unroll)))

    record = {
        "date": str(datetime.date.today()),
        "host": platform.node(),
        "cpu": measure.cpu_model(),
        "jax": jax.__version__,
        "devices": [str(d) for d in jax.devices()],
        "matmul_peak_gflops": round(peak / 1e9, 1),
        "steps": [asdict(r) for r in steps],
        "samplers": [asdict(r) for r in samplers],
        "ode_samplers": [asdict(r) for r in ode_samplers],
        "feature_networks": [asdict(r) for r in features],
        "pipeline": [asdict(r) for r in pipeline],
        "batch_scaling": [asdict(r) for r in batch_rows],
        "device_scaling": device_rows,
        "steps_per_dispatch": [asdict(r) for r in dispatch_rows],
    }
    sections = [
        f"float32 matmul peak: {peak / 1e9:.1f} GFLOP/s ({jax.devices()[0].platform}; "
        f"{record['cpu']})"
    ]
    for title, rows, render in (
        ("Train steps", steps, table),
        ("Samplers", samplers, table),
        ("Flow matching's ODE samplers", ode_samplers, table),
        ("The FID Inception's features at 299x299", features, table),
        ("Fed by the data pipeline against one device-resident batch", pipeline, table),
        ("Steps/s against batch size", batch_rows, table),
        ("Steps/s against device count", device_rows, dict_table),
        ("Steps per dispatch: one step per call against lax.scan", dispatch_rows, table),
    ):
        if rows:
            sections.append(f"## {title}\n\n{render(rows)}")
    markdown = "\n\n".join(sections) + "\n"
    write_results(record, markdown, result_kind(args.only, args.skip_scaling, args.pipeline_only))


if __name__ == "__main__":
    main()
