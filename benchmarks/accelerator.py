"""``make bench-accelerator``: the first check to run on a GPU or TPU machine.

``python -m benchmarks.accelerator`` does four things on the default JAX backend:

1. runs the library's tests (``TESTS``; those that need a CPU-only feature skip themselves),
   in a child process, within ``TEST_SECONDS``;
2. times every family's default train step on 32x32 images at its paper's batch size
   (``CASES``), computing in float32 and in bfloat16 (float32 parameters and optimiser state):
   cold compile seconds, steps/s, and achieved FLOP/s (XLA's cost analysis) as a fraction of
   the float32 and the bfloat16 matmul peaks measured in the same run;
   On GPU, each step also runs in float32 with ``train.deterministic=False``: the price of
   bitwise reproducibility there;
3. where the step has a PyTorch twin (:mod:`benchmarks.torch_steps`: the DCGAN, RealNVP and
   DDPM U-Net), runs it on the same device in the same precision, timed alternately with
   jaxgen's over ``ROUNDS`` rounds, and reports jaxgen ÷ PyTorch (above 1: jaxgen is faster);
4. times the FID Inception at 299x299 (``INCEPTION_BATCH`` images per call) in float32 and
   bfloat16: images/s, fraction of the matmul peak, and the minutes of an FID's 50,000
   feature vectors (:mod:`benchmarks.inception`).

It needs jax for the accelerator, flax, optax, orbax-checkpoint, chex, scikit-learn, pillow,
matplotlib, tqdm, pytest, pytest-xdist, ``ml_collections`` and ``tensorboardX`` (both pure
Python: bring their wheels to a machine without them); torch for part 3 (skipped, and said,
without it, or where it cannot reach the device JAX uses); no tensorflow-datasets: the
CIFAR-10 configs read a folder of random 32x32 PNGs written for the run, since a step's speed
does not depend on its pixels. Float32 products run at JAX's default precision (TF32 on NVIDIA
GPUs since Ampere) and PyTorch's twins are set to match (``set_float32_matmul_precision
("high")``). ``--quick`` checks the script itself on any machine in about a minute: one test
file, the DCGAN step at batch 8 in both precisions, one round, small matmul peaks.

Writes ``benchmarks/results/accelerator.{json,md}`` (``--quick``: ``accelerator-quick``;
``--out`` elsewhere), replacing the last run's.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from PIL import Image

from benchmarks import measure
from benchmarks.inception import bench_inception
from benchmarks.run import RESULTS, first_batch, table, write_results
from experiments.configs.base import config_with_overrides
from experiments.train import build_experiment
from jaxgen.core import compiler
from jaxgen.core.combinators import guard_nonfinite

ROOT = Path(__file__).resolve().parents[1]
INCEPTION_BATCH = 200
TESTS = (
    "tests/core",
    "tests/gan",
    "tests/flows/test_bijectors.py",
    "tests/diffusion/test_process.py",
    "tests/diffusion/test_samplers_and_bound.py",
    "tests/nn",
    "tests/metrics",
    "tests/cyclegan/test_cyclegan_library.py",
)
QUICK_TESTS = ("tests/core/test_state.py",)
TEST_SECONDS = 240
TEST_WORKERS = 4  # pytest-xdist processes sharing the accelerator (memory allocated as needed)
ROUNDS = 3
RANDOM_IMAGES = 512  # as many as the largest data-dependent initialisation (RealNVP)


@dataclass(frozen=True)
class Case:
    """A family's default step at 32x32: its config module (whose batch size cites the paper,
    unless ``batch_size`` is given), whether its data is CIFAR-10 (replaced by random
    images), and the name of its PyTorch twin."""

    name: str
    module: str
    cifar: bool = True
    twin: str | None = None
    batch_size: int | None = None


CASES = (
    Case("dcgan", "gan.cifar10", twin="dcgan"),
    Case("wgan_gp", "wgan_gp.cifar10"),
    # the photos config trains on batches of 4; the paper's batch is 1 (Zhu et al. 2017, §4)
    Case("cyclegan", "cyclegan.photos", cifar=False, batch_size=1),
    Case("realnvp", "flow.realnvp_cifar10", twin="realnvp"),
    Case("glow", "flow.glow_cifar10"),
    Case("ddpm_unet", "diffusion.cifar10", twin="ddpm"),
)
QUICK_CASES = ("dcgan",)  # with a PyTorch twin where torch is installed, without elsewhere
PRECISIONS = ("float32", "bfloat16")


@dataclass(frozen=True)
class Variant:
    precision: str
    deterministic: bool = True


def variants(platform: str) -> tuple[Variant, ...]:
    """Each precision, deterministic (the default); on GPU, where ``train.deterministic`` has a
    price (``xla_gpu_deterministic_ops``), float32 without it as well, to measure that price."""
    both = tuple(Variant(p) for p in PRECISIONS)
    return (*both, Variant("float32", deterministic=False)) if platform == "gpu" else both


@dataclass(frozen=True)
class StepRow:
    case: str
    precision: str
    deterministic: bool
    batch_size: int
    compile_seconds: float
    steps_per_second: float
    fraction_of_f32_peak: float
    fraction_of_bf16_peak: float
    torch_steps_per_second: float | None
    jaxgen_over_torch: float | None


def run_tests(paths: tuple[str, ...], workers: int) -> dict:
    """pytest on ``paths`` in a child process, in ``workers`` processes if more than one
    (memory allocated as needed, so they and this process share an accelerator); its exit
    status and summary line."""
    env = {**os.environ, "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths]
    command += ["-n", str(workers)] if workers > 1 else []
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TEST_SECONDS
        )
    except subprocess.TimeoutExpired:
        return {"paths": paths, "returncode": None, "summary": f"over {TEST_SECONDS} s, stopped"}
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return {
        "paths": paths,
        "returncode": proc.returncode,
        "summary": lines[-1] if lines else proc.stderr[-500:],
        "failures": failures,
        "seconds": round(time.perf_counter() - start, 1),
    }


def write_random_images(folder: Path, count: int) -> None:
    """``count`` 32x32 RGB PNGs of uniform noise, seeded: CIFAR-10's shape without CIFAR-10."""
    rng = np.random.default_rng(0)
    for i in range(count):
        pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{i:05d}.png")


def case_config(case: Case, variant: Variant, batch_size: int | None, images: Path):
    config = config_with_overrides(
        f"experiments.configs.{case.module}",
        {"train.compute_dtype": variant.precision, "train.deterministic": variant.deterministic},
        f"accelerator case {case.name}",
    )
    config.data.batch_size = batch_size or case.batch_size or config.data.batch_size
    if case.cifar:
        config.data.name, config.data.data_dir = "folder", str(images)
        config.data.image_size, config.data.channels = 32, 3
    return config


def jaxgen_runner(config):
    """(run(n), compile seconds, FLOPs per step) of the config's step as the loop runs it."""
    experiment = build_experiment(config)
    state = compiler.jit(experiment.task.init_state, static_argnums=0)(config.seed)
    batch = first_batch(experiment, config)
    step = guard_nonfinite(experiment.task.step)
    compiled, compile_seconds = measure.compile_timed(step, state, batch)
    flops = measure.flops_of(compiled, step, state, batch)
    return measure.step_runner(compiled, state, batch), compile_seconds, flops


def torch_version() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.__version__


def torch_device():
    """The torch device on the accelerator JAX uses, or None where torch cannot reach it."""
    import torch

    platform = jax.default_backend()
    if platform == "cpu":
        return torch.device("cpu")
    if platform == "gpu" and torch.cuda.is_available():
        return torch.device("cuda")
    return None


def twin_timer(case: Case, config, precision: str):
    """``seconds(target_seconds)`` of the case's PyTorch twin on JAX's device, or None."""
    if case.twin is None:
        return None
    import torch

    from benchmarks import torch_steps

    device = torch_device()
    # float32 products as JAX computes them by default (TF32 on NVIDIA GPUs since Ampere)
    torch.set_float32_matmul_precision("high")
    torch.manual_seed(0)
    dtype = torch.bfloat16 if precision == "bfloat16" else None
    step = torch_steps.TWINS[case.twin](config, (32, 32, 3), device=device, dtype=dtype)
    return lambda target: torch_steps.seconds(step, device, target_seconds=target)


@dataclass(frozen=True)
class Effort:
    """How long to time: rounds of alternation, and each timing's target seconds."""

    rounds: int
    seconds: float


FULL, QUICK = Effort(rounds=ROUNDS, seconds=0.5), Effort(rounds=1, seconds=0.2)


def bench_case(case, variant, batch_size, images, peaks, effort, with_torch) -> StepRow:
    config = case_config(case, variant, batch_size, images)
    run, compile_seconds, flops = jaxgen_runner(config)
    twin = twin_timer(case, config, variant.precision) if with_torch else None
    jax_seconds, torch_seconds = [], []
    for _ in range(effort.rounds):
        timing = measure.time_calls(run, repeats=3, target_seconds=effort.seconds)
        jax_seconds.append(timing.seconds_per_call)
        if twin is not None:
            torch_seconds.append(twin(effort.seconds))
    seconds = statistics.median(jax_seconds)
    torch_rate = measure.per_second(1, statistics.median(torch_seconds)) if twin else None
    rate = measure.per_second(1, seconds)
    return StepRow(
        case.name,
        variant.precision,
        variant.deterministic,
        config.data.batch_size,
        round(compile_seconds, 2),
        rate,
        round(flops / seconds / peaks["float32"], 4),
        round(flops / seconds / peaks["bfloat16"], 4),
        torch_rate,
        round(rate / torch_rate, 3) if torch_rate else None,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="check the script: tiny and fast")
    parser.add_argument("--skip-tests", action="store_true", help="time the steps only")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the results go")
    args = parser.parse_args(argv)
    measure.cold_compiles()
    # the tests' processes and the PyTorch twins share the accelerator with this process
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    quick = args.quick
    device = jax.devices()[0]
    print(f"jax {jax.__version__} on {jax.default_backend()}: {device.device_kind}", flush=True)
    tests = None
    if not args.skip_tests:
        tests = run_tests(QUICK_TESTS, 1) if quick else run_tests(TESTS, TEST_WORKERS)
    if tests is not None:
        print(f"tests: {tests['summary']}", flush=True)
    n = 512 if quick else (2048 if jax.default_backend() == "cpu" else 8192)
    peaks = {
        name: measure.matmul_peak_flops(n, repeats=3 if quick else 9, dtype=dtype)
        for name, dtype in (("float32", jnp.float32), ("bfloat16", jnp.bfloat16))
    }
    print("matmul peaks, TFLOP/s:", {k: round(v / 1e12, 3) for k, v in peaks.items()}, flush=True)
    version = torch_version()
    with_torch = version is not None and torch_device() is not None
    if version is None:
        print("torch is not installed: the PyTorch twins are skipped", flush=True)
    elif not with_torch:
        print(f"torch cannot reach {jax.default_backend()}: the twins are skipped", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as images:
        write_random_images(Path(images), RANDOM_IMAGES)
        for case in CASES:
            if quick and case.name not in QUICK_CASES:
                continue
            for variant in variants(jax.default_backend()):
                batch = 8 if quick else None
                row = bench_case(
                    case,
                    variant,
                    batch,
                    Path(images),
                    peaks,
                    QUICK if quick else FULL,
                    with_torch,
                )
                rows.append(row)
                print(row, flush=True)
    effort = {"batch": 2, "repeats": 1, "target_seconds": 0.0} if quick else {}
    features = [
        bench_inception(peaks[name], **{"batch": INCEPTION_BATCH, **effort}, dtype=dtype)
        for name, dtype in (("float32", None), ("bfloat16", jnp.bfloat16))
    ]
    for row in features:
        print(row, flush=True)
    record = {
        "date": str(datetime.date.today()),
        "host": platform.node(),
        "backend": jax.default_backend(),
        "device": device.device_kind,
        "jax": jax.__version__,
        "torch": version if with_torch else None,
        "quick": quick,
        "float32_products": "JAX's default precision; torch.set_float32_matmul_precision('high')",
        "tests": tests,
        "matmul_peak_tflops": {k: round(v / 1e12, 3) for k, v in peaks.items()},
        "steps": [asdict(r) for r in rows],
        "feature_networks": [asdict(r) for r in features],
    }
    test_line = "not run" if tests is None else tests["summary"]
    markdown = (
        f"{device.device_kind} ({jax.default_backend()}), jax {jax.__version__}, "
        f"torch {record['torch']}\n\ntests: {test_line}\n\n"
        f"matmul peaks (TFLOP/s): {record['matmul_peak_tflops']}\n\n## Train steps\n\n"
        f"{table(rows)}\n\n## The FID Inception's features at 299x299\n\n{table(features)}\n"
    )
    write_results(record, markdown, "accelerator-quick" if quick else "accelerator", args.out)
    if tests is not None and tests["returncode"] != 0:
        sys.exit(f"the tests did not pass on {jax.default_backend()}: {tests['summary']}")


if __name__ == "__main__":
    main()
