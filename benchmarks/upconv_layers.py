"""Three ways to compute a stride-2 transposed convolution, layer by layer, on both
convolution lowerings: forward and backward of one layer at the DCGAN generators' and
CycleGAN's shapes, by zero insertion, by output phase (the sub-pixel form, ``UpConv``'s
until 2026-12-01) and as the input gradient of a stride-2 convolution
(:func:`jaxgen.nn.dcgan.by_transpose`, ``UpConv``'s now).

``python -m benchmarks.upconv_layers``. Backs ``UpConv``'s choice of form: each form is
timed with XLA's convolutions and with oneDNN's (``JAXGEN_CPU_CONVOLUTIONS``), all in one
process, since this VM's speed drifts. The two older forms live here, as the comparison.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import measure
from jaxgen.kernels import onednn
from jaxgen.kernels.conv import DIMENSIONS, conv_general_dilated
from jaxgen.nn.dcgan import by_transpose

# (batch, side, in, out, kernel): DCGAN 8x8 digits (base 2), DCGAN 32x32 (base 4) generator
# layers, CycleGAN 32x32 (batch 4) and digits (batch 16) decoder layers
SHAPES = [
    (64, 2, 128, 64, 4),
    (64, 4, 64, 1, 4),
    (128, 4, 256, 128, 4),
    (128, 8, 128, 64, 4),
    (128, 16, 64, 3, 4),
    (4, 8, 256, 128, 3),
    (4, 16, 128, 64, 3),
    (16, 2, 64, 32, 3),
]


def phase_taps(kernel: int) -> tuple[np.ndarray, int, int]:
    """Per spatial axis, which tap of a stride-2 transposed convolution's k-tap kernel each
    output phase uses at each input offset.

    The transposed convolution (zeros inserted, then a k-tap convolution padded by k//2 below)
    gives ``y[2i + a] = Σ_t W[t] · x[i + (a + t − k//2) / 2]`` over the taps t with
    a + t − k//2 even. Returns ``(taps, low, high)``: ``taps[u, a]`` is the tap applied to
    ``x[i + u − low]`` in phase a (``kernel``, an index past the last tap, where none is),
    and the input offsets run from −low to high.
    """
    offsets = {
        (a, t): (a + t - kernel // 2) // 2
        for a in (0, 1)
        for t in range(kernel)
        if (a + t - kernel // 2) % 2 == 0
    }
    low, high = -min(offsets.values()), max(offsets.values())
    taps = np.full((low + high + 1, 2), kernel)
    for (a, t), d in offsets.items():
        taps[d + low, a] = t
    return taps, low, high


def gather_taps(weights: jax.Array, taps: np.ndarray, axis: int) -> jax.Array:
    """``weights`` with axis ``axis`` replaced by the two axes of ``taps`` (tap k: zeros),
    built from static slices: a gather's gradient, a scatter, is slow on XLA:CPU."""
    zero = jnp.zeros_like(jax.lax.index_in_dim(weights, 0, axis, keepdims=False))
    pick = [
        zero if t == weights.shape[axis] else jax.lax.index_in_dim(weights, int(t), axis, False)
        for t in taps.reshape(-1)
    ]
    return jnp.stack(pick, axis).reshape(
        *weights.shape[:axis], *taps.shape, *weights.shape[axis + 1 :]
    )


def by_phase(x: jax.Array, weights: jax.Array) -> jax.Array:
    """The transposed convolution as one stride-1 convolution with 4x the output channels
    (``y[2i + a, 2j + b] = Σ_{u,v} x[i + u − low, j + v − low] · W[taps[u, a], taps[v, b]]``,
    zero where a phase has no tap), then the four phases interleaved."""
    n, h, w, c = x.shape
    features = weights.shape[-1]
    taps, low, high = phase_taps(weights.shape[0])
    phases = gather_taps(gather_taps(weights, taps, axis=0), taps, axis=2)  # (U, 2, U, 2, c, f)
    u = taps.shape[0]
    phases = phases.transpose(0, 2, 4, 1, 3, 5).reshape(u, u, c, 4 * features)
    y = conv_general_dilated(
        x, phases, (1, 1), ((low, high), (low, high)), dimension_numbers=DIMENSIONS
    )
    y = y.reshape(n, h, w, 2, 2, features).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(n, 2 * h, 2 * w, features)


def by_zero_insertion(x: jax.Array, weights: jax.Array) -> jax.Array:
    """The transposed convolution as zeros inserted between input pixels, then a k x k
    convolution padded by (k//2, (k − 1)//2)."""
    n, h, w, c = x.shape
    k = weights.shape[0]
    spread = jnp.zeros((n, h, 2, w, 2, c), x.dtype).at[:, :, 0, :, 0, :].set(x)
    pad = (k // 2, (k - 1) // 2)
    return conv_general_dilated(
        spread.reshape(n, 2 * h, 2 * w, c),
        weights,
        (1, 1),
        (pad, pad),
        dimension_numbers=DIMENSIONS,
    )


FORMS = {"zero insertion": by_zero_insertion, "by phase": by_phase, "transpose": by_transpose}


def milliseconds(upsample, x, w) -> float:
    """Median ms of the gradient of Σ upsample(x, w)² with respect to x and w."""
    grad = jax.jit(jax.grad(lambda x, w: jnp.sum(upsample(x, w) ** 2), argnums=(0, 1)))
    run = lambda n: jax.block_until_ready([grad(x, w) for _ in range(n)][-1])  # noqa: E731
    return 1e3 * measure.time_calls(run).seconds_per_call


def main() -> None:
    lowerings = ["xla", "onednn"] if onednn.loaded() else ["xla"]
    columns = [f"{form}, {lowering}" for lowering in lowerings for form in FORMS]
    print(f"| layer (ms) | {' | '.join(columns)} |\n|---|{'---|' * len(columns)}")
    for batch, side, cin, cout, k in SHAPES:
        x = jax.random.normal(jax.random.key(0), (batch, side, side, cin))
        w = 0.02 * jax.random.normal(jax.random.key(1), (k, k, cin, cout))
        times = []
        for lowering in lowerings:
            os.environ[onednn.SWITCH] = lowering
            jax.clear_caches()
            times += [milliseconds(form, x, w) for form in FORMS.values()]
        cells = " | ".join(f"{t:.2f}" for t in times)
        print(f"| {batch}x{side}x{side}x{cin}→{cout} k{k} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
