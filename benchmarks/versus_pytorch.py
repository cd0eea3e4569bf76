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

Writes ``results/<date>-<host>-versus-pytorch.{json,md}`` (``--steps-only``: the steps alone,
to ``…-versus-pytorch-steps``).
"""

from __future__ import annotations

import argparse
import datetime
import math
import platform
import sys
from dataclasses import asdict, dataclass

import jax

from benchmarks import cases, measure, onednn_layers
from benchmarks.run import bench_prepared, prepare, table, write_results
from jaxgen.kernels import primitives as kernels_primitives

try:
    import torch
    from torch import nn
except ImportError:  # the comparison's one extra dependency
    sys.exit("benchmarks.versus_pytorch needs torch: run `make bench-pytorch`, which installs it")

from benchmarks.torch_models import TorchRealNVP, TorchUNet, torch_dcgan  # noqa: E402

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
    """Median seconds per call of ``run()``, which must synchronise before returning."""
    return measure.time_calls(lambda n: [run() for _ in range(n)]).seconds_per_call


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
    timings = [onednn_layers.time_pass(*p) for p in passes]
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


def torch_dcgan_step_seconds(batch: int = 128, latent: int = 100) -> float:
    generator, discriminator = torch_dcgan(latent)
    g_opt = torch.optim.Adam(generator.parameters(), 2e-4, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(discriminator.parameters(), 2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 3, 32, 32) * 2 - 1
    ones, zeros = torch.ones(batch, 1), torch.zeros(batch, 1)

    def step():
        fake = generator(torch.randn(batch, latent)).detach()
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake), zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        g_loss = bce(discriminator(generator(torch.randn(batch, latent))), ones)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()

    return seconds(step)


def torch_ddpm_step_seconds(config, shape: tuple[int, int, int]) -> float:
    """One DDPM step (Algorithm 1) of :class:`TorchUNet` built from a jaxgen diffusion config:
    t and ε drawn, L_simple, global-norm clipping, Adam, then the EMA of the weights."""
    m, batch, (side, _, channels) = config.model, config.data.batch_size, shape
    net = TorchUNet(
        channels, side, m.channels, m.multipliers, m.blocks, m.attention_at, m.dropout, m.groups
    )
    params = list(net.parameters())
    ema = [p.detach().clone() for p in params]
    opt = torch.optim.Adam(params, config.optim.lr)
    alphas_bar = torch.cumprod(1 - torch.linspace(1e-4, 0.02, m.num_timesteps), dim=0)
    x0 = torch.rand(batch, channels, side, side) * 2 - 1

    def step():
        t = torch.randint(0, m.num_timesteps, (batch,))
        noise = torch.randn_like(x0)
        a = alphas_bar[t][:, None, None, None]
        loss = (net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t) - noise).square().mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, config.optim.clip_norm)
        opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema, params, 1 - m.ema_decay)

    return seconds(step)


def torch_realnvp_step_seconds(config, shape: tuple[int, int, int]) -> float:
    """One maximum-likelihood step of :class:`TorchRealNVP` built from a jaxgen flow config:
    dequantization, −log p_X (standard normal base), global-norm clipping, Adam."""
    m, (side, _, channels) = config.model, shape
    flow = TorchRealNVP(channels, side, m.levels, m.width, m.depth, m.logit_alpha)
    params = list(flow.parameters())
    opt = torch.optim.Adam(params, config.optim.lr)
    levels, batch = config.data.levels, config.data.batch_size
    k = torch.randint(0, levels, (batch, channels, side, side)).float()

    def step():
        z, log_det = flow((k + torch.rand_like(k)) / levels - 0.5)
        log_pz = -0.5 * z.square().sum(1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
        loss = -(log_pz + log_det).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, config.optim.clip_norm)
        opt.step()

    return seconds(step)


# the train steps compared: (bench case, batch or None for the config's, PyTorch's timer)
STEP_CASES = [
    ("dcgan_32x32", None, lambda config, _: torch_dcgan_step_seconds(config.data.batch_size)),
    ("realnvp_32x32", None, torch_realnvp_step_seconds),
    ("ddpm_unet_8x8", None, torch_ddpm_step_seconds),
    # at the paper's batch of 128 a step takes over a minute here: batch 16, both frameworks
    ("ddpm_unet_32x32", 16, torch_ddpm_step_seconds),
]


def step_rows(peak: float) -> list[StepRow]:
    """Each of ``STEP_CASES`` in jaxgen (as ``make bench`` times it) and in PyTorch."""
    rows = []
    for name, batch, torch_seconds in STEP_CASES:
        case = cases.step_case(name)
        prepared = prepare(case, batch)
        config, task = prepared[:2]
        jax_row = bench_prepared(case, prepared, peak)
        torch_row = measure.per_second(1, torch_seconds(config, task.input_shape))
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
    write_results(record, markdown, "-versus-pytorch-steps" if steps_only else "-versus-pytorch")


if __name__ == "__main__":
    main()
