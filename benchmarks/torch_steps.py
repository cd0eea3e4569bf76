"""The PyTorch twins' train steps (:mod:`benchmarks.torch_models`), on any device.

Each function takes a jaxgen config and the image shape, builds the networks, optimiser and a
batch on ``device`` and returns ``step()``, one train step that does the arithmetic of
jaxgen's step for that config (``TWINS`` names them). ``dtype=
torch.bfloat16`` runs the networks under ``torch.autocast`` (bfloat16 compute, float32
parameters and optimiser state), as ``train.compute_dtype=bfloat16`` does in jaxgen.
:func:`seconds` times a step, waiting for the device.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable

import torch
from torch import nn

from benchmarks import measure
from benchmarks.torch_models import TorchRealNVP, TorchUNet, torch_dcgan

CPU = torch.device("cpu")


def computing_in(device: torch.device, dtype: torch.dtype | None):
    """Autocast to ``dtype`` on ``device``, or nothing for float32 (``None``)."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def seconds(step: Callable[[], None], device: torch.device, *, target_seconds: float = 1.0):
    """Median seconds per call of ``step`` (:func:`benchmarks.measure.time_calls`), the device
    synchronised after each batch of calls."""

    def run(n: int) -> None:
        for _ in range(n):
            step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    run(2)  # warm-up: cuDNN's algorithm choice, allocator growth
    return measure.time_calls(run, target_seconds=target_seconds).seconds_per_call


def dcgan_step(
    config, shape: tuple[int, int, int], *, device=CPU, dtype=None
) -> Callable[[], None]:
    """DCGAN at 32x32 (Radford et al. 2016, §4): one discriminator update on a real and a fake
    batch, then one non-saturating generator update; Adam as the config sets it."""
    batch, latent, optim = config.data.batch_size, config.model.latent_dim, config.optim
    networks = torch_dcgan(latent, config.model.g_features, shape[2])
    generator, discriminator = (m.to(device) for m in networks)
    betas = (optim.b1, optim.b2)
    g_opt = torch.optim.Adam(generator.parameters(), optim.g_lr, betas=betas)
    d_opt = torch.optim.Adam(discriminator.parameters(), optim.d_lr, betas=betas)
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, shape[2], 32, 32, device=device) * 2 - 1
    ones, zeros = torch.ones(batch, 1, device=device), torch.zeros(batch, 1, device=device)

    def step() -> None:
        with computing_in(device, dtype):
            fake = generator(torch.randn(batch, latent, device=device)).detach()
            d_loss = bce(discriminator(real), ones) + bce(discriminator(fake), zeros)
        d_opt.zero_grad()
        d_loss.backward()
        d_opt.step()
        with computing_in(device, dtype):
            fake = generator(torch.randn(batch, latent, device=device))
            g_loss = bce(discriminator(fake), ones)
        g_opt.zero_grad()
        g_loss.backward()
        g_opt.step()

    return step


def ddpm_step(config, shape: tuple[int, int, int], *, device=CPU, dtype=None) -> Callable[[], None]:
    """One DDPM step (Ho et al. 2020, Algorithm 1) of :class:`TorchUNet` built from a jaxgen
    diffusion config: t and ε drawn, L_simple, global-norm clipping, Adam, the EMA."""
    m, batch, (side, _, channels) = config.model, config.data.batch_size, shape
    net = TorchUNet(
        channels, side, m.channels, m.multipliers, m.blocks, m.attention_at, m.dropout, m.groups
    ).to(device)
    params = list(net.parameters())
    ema = [p.detach().clone() for p in params]
    opt = torch.optim.Adam(params, config.optim.lr)
    betas = torch.linspace(1e-4, 0.02, m.num_timesteps, device=device)
    alphas_bar = torch.cumprod(1 - betas, dim=0)
    x0 = torch.rand(batch, channels, side, side, device=device) * 2 - 1

    def step() -> None:
        t = torch.randint(0, m.num_timesteps, (batch,), device=device)
        noise = torch.randn_like(x0)
        a = alphas_bar[t][:, None, None, None]
        with computing_in(device, dtype):
            predicted = net(a.sqrt() * x0 + (1 - a).sqrt() * noise, t)
        loss = (predicted.float() - noise).square().mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, config.optim.clip_norm)
        opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema, params, 1 - m.ema_decay)

    return step


def realnvp_step(
    config, shape: tuple[int, int, int], *, device=CPU, dtype=None
) -> Callable[[], None]:
    """One maximum-likelihood step of :class:`TorchRealNVP` built from a jaxgen flow config
    (Dinh et al. 2017): dequantization, −log p_X (standard normal base), global-norm
    clipping, Adam."""
    m, (side, _, channels) = config.model, shape
    flow = TorchRealNVP(channels, side, m.levels, m.width, m.depth, m.logit_alpha).to(device)
    params = list(flow.parameters())
    opt = torch.optim.Adam(params, config.optim.lr)
    levels, batch = config.data.levels, config.data.batch_size
    k = torch.randint(0, levels, (batch, channels, side, side), device=device).float()

    def step() -> None:
        with computing_in(device, dtype):
            z, log_det = flow((k + torch.rand_like(k)) / levels - 0.5)
        z, log_det = z.float(), log_det.float()
        log_pz = -0.5 * z.square().sum(1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
        loss = -(log_pz + log_det).mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, config.optim.clip_norm)
        opt.step()

    return step


TWINS = {"dcgan": dcgan_step, "realnvp": realnvp_step, "ddpm": ddpm_step}
