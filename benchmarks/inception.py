"""The FID Inception's speed: images per second at 299x299 (the network's input size, so
that no resize is timed), achieved FLOP/s as a fraction of the matmul peak, and what that
makes of an FID over 50,000 samples (the features; their statistics take a small fraction
more). The weights are random (:func:`jaxgen.metrics.inception.random_variables`): the cost
does not depend on their values."""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import measure
from jaxgen.metrics.inception import random_variables
from jaxgen.nn.inception import FIDInceptionV3

FID_SAMPLES = 50_000


@dataclass(frozen=True)
class FeatureRow:
    case: str
    images_per_call: int
    compile_seconds: float
    images_per_second: float
    gflop_per_image: float
    fraction_of_matmul_peak: float
    peak_memory_mib: float
    fid_50k_feature_minutes: float


def bench_inception(
    peak: float, *, batch: int, dtype=None, repeats: int = 3, target_seconds: float = 1.0
) -> FeatureRow:
    """Time the FID Inception on ``batch`` images of 299x299 per call, in ``dtype``: the
    median of ``repeats`` timings of about ``target_seconds`` of calls each."""
    network = FIDInceptionV3(dtype=dtype)
    variables = jax.device_put(random_variables(0))
    images = jnp.asarray(np.random.default_rng(0).uniform(0, 1, (batch, 299, 299, 3)), jnp.float32)

    def features(v, x):
        return network.apply(v, x).features

    compiled, compile_seconds = measure.compile_timed(features, variables, images, donate=False)

    def calls(count: int):
        for _ in range(count):
            out = compiled(variables, images)
        jax.block_until_ready(out)

    timing = measure.time_calls(calls, repeats=repeats, target_seconds=target_seconds)
    per_second = batch / timing.seconds_per_call
    flops = measure.flops_of(compiled, features, variables, images)
    name = "fid_inception_299" + ("" if dtype is None else f"_{jnp.dtype(dtype).name}")
    return FeatureRow(
        name,
        batch,
        round(compile_seconds, 2),
        round(per_second, 1),
        round(flops / batch / 1e9, 2),
        round(flops / timing.seconds_per_call / peak, 4),
        round(measure.peak_bytes(compiled) / 2**20, 1),
        round(FID_SAMPLES / per_second / 60, 1),
    )
