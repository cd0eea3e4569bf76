"""jaxgen against PyTorch (eager, CPU) on the same machine, in one process.

``make bench-pytorch`` (``python -m benchmarks.versus_pytorch``; needs ``torch``, which the
make target installs). Three comparisons, each timed as in :mod:`benchmarks.measure` (median
of 5 repeats of about 1 s of back-to-back calls, synchronised):

* the float32 matmul peak of each framework (a 2048² product);
* one convolution layer at shapes from the default models, split into its forward pass, the
  gradient with respect to the input (dx) and the gradient with respect to the kernel (dW),
  each timed alone: jaxgen's primitives lowered to oneDNN and to XLA, PyTorch's ``conv2d``
  and ``aten.convolution_backward`` asked for one gradient;
* the train steps of the convolutional defaults (``STEP_CASES``), each against the same
  networks written in PyTorch (:mod:`benchmarks.torch_models`) and the same update:
  the DCGAN 32x32 step (``configs/gan/cifar10.py``: batch 128, z of 100, widths 64, Adam
  2e-4, β1 0.5: one discriminator update on a real and a fake batch, then one non-saturating
  generator update); RealNVP 32x32 (``configs/flow/realnvp_cifar10.py``, batch 64); the DDPM
  U-Net on the digits (batch 128) and at 32x32 (batch 16, both frameworks).

Writes ``results/versus-pytorch.{json,md}`` (``--steps-only``: the steps alone, to
``results/versus-pytorch-steps.{json,md}``), replacing the last run's.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import platform
import sys
from dataclasses import asdict, dataclass

import jax

from benchmarks import cases, measure
from benchmarks.run import bench_prepared, prepare, table, write_results
from jaxgen.kernels import primitives as kernels_primitives

try:
    import torch
    from torch import nn
except ImportError:  # the comparison's one extra dependency
    sys.exit("benchmarks.versus_pytorch needs torch: run `make bench-pytorch`, which installs it")

from benchmarks import torch_steps  # noqa: E402

# (batch, side, in, out, kernel, stride), padding (k − 1) // 2 on every side: the DDPM U-Net's
# 3x3 convolutions at 8x8 (digits) and 32x32 (CIFAR-10), a 16x16 level of the latter, and two
# of the DCGAN 32x32 discriminator's 4x4 stride-2 layers.
CONV_SHAPES = [
    (128, 8, 32, 32, 3, 1),
    (128, 8, 64, 64, 3, 1),
    (64, 32, 64, 64, 3, 1),
    (64, 16, 128, 128, 3, 1),
    (128, 32, 3, 64, 4, 2),
    (128, 16, 64, 128, 4, 2),
]


@dataclass(frozen=True)
class ConvRow:
    shape: str
    framework: str
    forward_gflops: float
    dx_gflops: float
    dw_gflops: float


@dataclass(frozen=True)
class StepRow:
    case: str
    batch: int
    framework: str
    steps_per_second: float


def seconds(run) -> float:
    """Median seconds per call of ``run()`` on the CPU (:func:`torch_steps.seconds`)."""
    return torch_steps.seconds(run, torch_steps.CPU)


def jax_seconds(fn, args) -> float:
    """Median seconds per call of ``jit(fn)(*args)``."""
    compiled = jax.jit(fn).lower(*args).compile()
    run = lambda n: [jax.block_until_ready(compiled(*args)) for _ in range(n)]
    return measure.time_calls(run).seconds_per_call


def time_pass(primitive, shapes, params) -> tuple[float, float]:
    """Seconds per call of one convolution pass as the CPU lowers it (oneDNN when built), then
    as its XLA reference, on random operands of ``shapes``."""
    args = [jax.random.normal(jax.random.key(i), s) for i, s in enumerate(shapes)]
    ours = functools.partial(primitive.bind, **dict(params))
    xla = functools.partial(kernels_primitives.REFERENCES[primitive], **dict(params))
    return jax_seconds(ours, args), jax_seconds(xla, args)


def matmul_peaks() -> dict[str, float]:
    """Each framework's fastest of 9 repeats of a 2048² product (as ``make bench``'s peak)."""
    a = torch.randn(2048, 2048)
    timing = measure.time_calls(lambda n: [a @ a for _ in range(n)], repeats=9)
    return {
        "jax": round(measure.matmul_peak_flops() / 1e9, 1),
        "torch": round(2 * 2048**3 / timing.fastest_seconds_per_call / 1e9, 1),
    }


def conv_name(batch, side, cin, cout, k, stride) -> str:
    return f"{batch}x{side}x{side}x{cin}->{cout} k{k} s{stride}"


def jax_conv_rows(batch, side, cin, cout, k, stride) -> list[ConvRow]:
    """Each pass alone (:mod:`jaxgen.kernels.conv`'s primitives), on oneDNN and on XLA."""
    out = side // stride
    x, w, dy = (batch, side, side, cin), (k, k, cin, cout), (batch, out, out, cout)
    geometry = {"strides": (stride, stride), "padding": (((k - 1) // 2, (k - 1) // 2),) * 2}
    passes = [
        (kernels_primitives.forward_p, (x, w), geometry),
        (kernels_primitives.input_grad_p, (dy, w), {**geometry, "image_size": (side, side)}),
        (kernels_primitives.weight_grad_p, (x, dy), {**geometry, "kernel_size": (k, k)}),
    ]
    timings = [time_pass(*p) for p in passes]
    flops = 2.0 * batch * out * out * cin * cout * k * k
    name = conv_name(batch, side, cin, cout, k, stride)
    return [
        ConvRow(name, f"jax {lowering}", *(round(flops / t[i] / 1e9, 1) for t in timings))
        for i, lowering in enumerate(("oneDNN", "XLA"))
    ]


def torch_conv_row(batch, side, cin, cout, k, stride, channels_last: bool) -> ConvRow:
    """Each pass alone: ``conv2d``, and ``aten.convolution_backward`` asked for dx or dW only."""
    layout = torch.channels_last if channels_last else torch.contiguous_format
    out = side // stride
    x = torch.randn(batch, cin, side, side).to(memory_format=layout)
    w = (0.1 * torch.randn(cout, cin, k, k)).to(memory_format=layout)
    dy = torch.randn(batch, cout, out, out).to(memory_format=layout)
    pad = (k - 1) // 2

    def backward(mask):
        return torch.ops.aten.convolution_backward(
            dy, x, w, None, [stride] * 2, [pad] * 2, [1, 1], False, [0, 0], 1, mask
        )

    flops = 2.0 * batch * out * out * cin * cout * k * k
    forward = seconds(lambda: nn.functional.conv2d(x, w, stride=stride, padding=pad))
    dx = seconds(lambda: backward([True, False, False]))
    dw = seconds(lambda: backward([False, True, False]))
    name = conv_name(batch, side, cin, cout, k, stride)
    framework = "torch channels_last" if channels_last else "torch"
    return ConvRow(name, framework, *(round(flops / s / 1e9, 1) for s in (forward, dx, dw)))


# the train steps compared: (bench case, batch or None for the config's, PyTorch's step)
STEP_CASES = [
    ("dcgan_32x32", None, torch_steps.dcgan_step),
    ("realnvp_32x32", None, torch_steps.realnvp_step),
    ("ddpm_unet_8x8", None, torch_steps.ddpm_step),
    # at the paper's batch of 128 a step takes over a minute here: batch 16, both frameworks
    ("ddpm_unet_32x32", 16, torch_steps.ddpm_step),
]


def step_rows(peak: float) -> list[StepRow]:
    """Each of ``STEP_CASES`` in jaxgen (as ``make bench`` times it) and in PyTorch."""
    rows = []
    for name, batch, torch_step in STEP_CASES:
        case = cases.step_case(name)
        prepared = prepare(case, batch)
        config, task = prepared[:2]
        jax_row = bench_prepared(case, prepared, peak)
        torch_seconds = torch_steps.seconds(torch_step(config, task.input_shape), torch_steps.CPU)
        torch_row = measure.per_second(1, torch_seconds)
        for row in (
            StepRow(name, config.data.batch_size, "jax", jax_row.steps_per_second),
            StepRow(name, config.data.batch_size, "torch", torch_row),
        ):
            rows.append(row)
            print(row, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps-only", action="store_true", help="skip the per-layer table")
    steps_only = parser.parse_args().steps_only
    measure.cold_compiles()
    torch.manual_seed(0)
    peaks = matmul_peaks()
    print(f"float32 matmul peak, GFLOP/s: {peaks}", flush=True)
    conv_rows = []
    for shape in [] if steps_only else CONV_SHAPES:
        for row in (
            *jax_conv_rows(*shape),
            torch_conv_row(*shape, channels_last=False),
            torch_conv_row(*shape, channels_last=True),
        ):
            conv_rows.append(row)
            print(row, flush=True)
    steps = step_rows(peaks["jax"] * 1e9)
    record = {
        "date": str(datetime.date.today()),
        "host": platform.node(),
        "cpu": measure.cpu_model(),
        "jax": jax.__version__,
        "torch": torch.__version__,
        "threads": {"torch": torch.get_num_threads()},
        "matmul_peak_gflops": peaks,
        "convolutions_gflops": [asdict(r) for r in conv_rows],
        "steps": [asdict(r) for r in steps],
    }
    layers = "" if steps_only else f"## One convolution layer, GFLOP/s\n\n{table(conv_rows)}\n\n"
    markdown = (
        f"float32 matmul peak (GFLOP/s): jax {peaks['jax']}, torch {peaks['torch']}\n\n"
        f"{layers}## Train steps\n\n{table(steps)}\n"
    )
    write_results(record, markdown, "versus-pytorch-steps" if steps_only else "versus-pytorch")


if __name__ == "__main__":
    main()
