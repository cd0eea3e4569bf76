"""``make bench``: compile time, steady-state steps/s and FLOP/s of the default train steps.

For each case the step is compiled ahead of time (``jax.jit(step).lower(...).compile()``, wall
time = compile time), then timed on a fixed on-device batch with the state donated and fed
back: the median over ``REPEATS`` repeats of ``CALLS`` calls each, synchronised with
``block_until_ready``. FLOPs per step come from XLA's cost analysis; the achieved FLOP/s is
compared with the float32 matmul peak measured in the same run (2048² ``jnp.dot``).
Results go to ``benchmarks/results/<date>-<host>.json`` and a markdown table beside it.
"""

from __future__ import annotations

import datetime
import json
import platform
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jax
import jax.numpy as jnp

from experiments.configs.gan import digits, grid25, ring8
from experiments.train import build_experiment

REPEATS, CALLS = 5, 20
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Row:
    case: str
    batch_size: int
    compile_seconds: float
    steps_per_second: float
    gflop_per_step: float
    gflop_per_second: float
    fraction_of_matmul_peak: float


def median_seconds(fn, repeats: int = REPEATS) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_peak_flops(n: int = 2048) -> float:
    a = jnp.ones((n, n), jnp.float32)
    dot = jax.jit(jnp.dot)
    seconds = median_seconds(lambda: dot(a, a).block_until_ready())
    return 2 * n**3 / seconds


def flops_of(compiled) -> float:
    analysis = compiled.cost_analysis()
    if isinstance(analysis, list):
        analysis = analysis[0]
    return float(analysis.get("flops", 0.0))


def bench_case(name: str, config, peak: float) -> Row:
    experiment = build_experiment(config)
    task = experiment.task
    state = task.init_state(config.seed)
    batch = experiment.dataset.get_batch(0, config.data.batch_size)
    batch = jax.device_put({k: v[None] for k, v in batch.items()} if task.sub_batches else batch)
    start = time.perf_counter()
    compiled = jax.jit(task.step, donate_argnums=0).lower(state, batch).compile()
    compile_seconds = time.perf_counter() - start
    holder = [state]

    def calls():
        for _ in range(CALLS):
            holder[0], _ = compiled(holder[0], batch)
        jax.block_until_ready(holder[0])

    steps_per_second = CALLS / median_seconds(calls)
    flops = flops_of(compiled)
    return Row(
        name,
        config.data.batch_size,
        round(compile_seconds, 2),
        round(steps_per_second, 1),
        round(flops / 1e9, 4),
        round(flops * steps_per_second / 1e9, 2),
        round(flops * steps_per_second / peak, 4),
    )


def cases():
    yield "gan_mlp_ring8", ring8.get_config()
    yield "gan_mlp_grid25", grid25.get_config()
    for batch_size in (64, 256, 1024):
        config = ring8.get_config()
        config.data.batch_size = batch_size
        yield f"gan_mlp_ring8_b{batch_size}", config
    yield "dcgan_digits", digits.get_config()


def markdown(rows: list[Row], peak: float) -> str:
    header = "| " + " | ".join(Row.__dataclass_fields__) + " |"
    rule = "|" + "---|" * len(Row.__dataclass_fields__)
    lines = [f"float32 matmul peak: {peak / 1e9:.1f} GFLOP/s", "", header, rule]
    lines += ["| " + " | ".join(str(v) for v in asdict(r).values()) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    peak = matmul_peak_flops()
    rows = [bench_case(name, config, peak) for name, config in cases()]
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{datetime.date.today()}-{platform.node()}"
    record = {
        "matmul_peak_gflops": peak / 1e9,
        "devices": [str(d) for d in jax.devices()],
        "rows": [asdict(r) for r in rows],
    }
    stem.with_suffix(".json").write_text(json.dumps(record, indent=2))
    table = markdown(rows, peak)
    stem.with_suffix(".md").write_text(table + "\n")
    print(table)


if __name__ == "__main__":
    main()
