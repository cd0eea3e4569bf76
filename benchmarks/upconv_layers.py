"""``UpConv``'s two forms, layer by layer: forward and backward of one stride-2 4x4 transposed
convolution at the DCGAN generators' shapes, by zero insertion and by output phase.

``python -m benchmarks.upconv_layers``. Backs ``jaxgen.nn.dcgan.PHASE_MIN_PIXELS``: the
phase form is faster from 4x4 inputs up and slower on 2x2 ones (the digits DCGAN's first
layer), so ``UpConv`` picks by input size.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from benchmarks import measure
from jaxgen.nn.dcgan import by_phase, by_zero_insertion

# (batch, side, in, out): DCGAN 8x8 digits (base 2) and DCGAN 32x32 (base 4) generator layers
SHAPES = [
    (64, 2, 128, 64),
    (64, 4, 64, 1),
    (128, 4, 256, 128),
    (128, 8, 128, 64),
    (128, 16, 64, 3),
]


def milliseconds(upsample, x, w) -> float:
    """Median ms of the gradient of Σ upsample(x, w)² with respect to x and w."""
    grad = jax.jit(jax.grad(lambda x, w: jnp.sum(upsample(x, w) ** 2), argnums=(0, 1)))
    run = lambda n: jax.block_until_ready([grad(x, w) for _ in range(n)][-1])  # noqa: E731
    return 1e3 * measure.time_calls(run).seconds_per_call


def main() -> None:
    print("| layer | zero insertion, ms | by phase, ms |\n|---|---|---|")
    for batch, side, cin, cout in SHAPES:
        x = jax.random.normal(jax.random.key(0), (batch, side, side, cin))
        w = 0.02 * jax.random.normal(jax.random.key(1), (4, 4, cin, cout))
        zero, phase = (milliseconds(f, x, w) for f in (by_zero_insertion, by_phase))
        print(f"| {batch}x{side}x{side}x{cin}→{cout} | {zero:.2f} | {phase:.2f} |", flush=True)


if __name__ == "__main__":
    main()
