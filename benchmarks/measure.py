"""How a compiled step or sampler is measured.

* compile time: wall time of ``jit(fn).lower(...).compile()``, with the compiler options
  the training loop uses (:mod:`jaxgen.core.compiler`), in a process that called
  :func:`cold_compiles` first (a persistent-cache hit would time a file read);
* steady state: after a warm-up call, ``repeats`` timings of ``calls`` back-to-back calls
  each (the state donated and fed back, the batch already on device, one
  ``block_until_ready`` at the end); the median per-call time. ``calls`` is chosen so that a
  repeat lasts about ``target_seconds``; calls over 5 s are repeated twice only;
* FLOPs: XLA's cost analysis of the compiled executable, plus the convolutions handed to
  oneDNN (counted from the jaxpr: XLA counts a custom call as none); achieved FLOP/s over
  the float32 matmul peak measured in the same process (the fastest of 9 repeats of a 2048²
  ``jnp.dot``);
* memory: XLA's memory analysis, arguments + outputs + temporaries − aliased (donated)
  bytes, the peak an executable needs on its device.
"""

from __future__ import annotations

import pathlib
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax.extend.core import jaxprs_in_params

from jaxgen.core import compiler
from jaxgen.kernels import onednn, primitives, references

SLOW_CALL_SECONDS = 5.0  # calls slower than this are repeated twice, not ``repeats`` times


@dataclass(frozen=True)
class Timing:
    seconds_per_call: float  # the median repeat's
    fastest_seconds_per_call: float
    calls_per_repeat: int
    repeats: int


def cpu_model(cpuinfo: pathlib.Path = pathlib.Path("/proc/cpuinfo")) -> str:
    """The CPU's model name, and whether it has AVX-512 (XLA:CPU compiles for the host's
    instruction set, so speeds, and likely float32 rounding, follow it); "unknown" off Linux."""
    if not cpuinfo.exists():
        return "unknown"
    fields = {}
    for line in cpuinfo.read_text().split("\n\n")[0].splitlines():  # the first processor
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    name = fields.get("model name", "unknown")
    avx512 = "avx512f" in fields.get("flags", "").split()
    return f"{name}, {'with' if avx512 else 'without'} AVX-512"


def per_second(count: float, seconds: float) -> float:
    """``count / seconds`` to three significant digits, so that a slow step keeps its precision
    (0.0123 steps/s, not 0.01) and a fast one drops its noise (2470, not 2468.37)."""
    return float(f"{count / seconds:.3g}")


def time_calls(run: Callable[[int], None], *, repeats: int = 5, target_seconds: float = 1.0):
    """Median seconds per call, where ``run(n)`` makes ``n`` calls back to back and blocks
    until the last one's results exist."""
    run(1)  # warm-up: first-call allocations, thread pools
    start = time.perf_counter()
    run(1)
    first = max(time.perf_counter() - start, 1e-6)
    calls = max(1, min(2000, round(target_seconds / first)))
    if first > SLOW_CALL_SECONDS:
        repeats = min(repeats, 2)
    totals = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(calls)
        totals.append(time.perf_counter() - start)
    return Timing(statistics.median(totals) / calls, min(totals) / calls, calls, repeats)


def cold_compiles() -> None:
    """Turn the persistent compilation cache off for the whole process, so compile times are
    cold. Call it before anything compiles: JAX reads the setting once, at the first
    compilation (switching it off around one compilation later let a cached DCGAN step
    report 0.74 s instead of 4.0 s)."""
    jax.config.update("jax_enable_compilation_cache", False)


def compile_timed(fn, *args, donate: bool = True):
    """``(compiled, seconds)``: ``fn`` jitted (first argument donated) and compiled ahead."""
    jitted = compiler.jit(fn, donate_argnums=0 if donate else ())
    with jax.default_device(jax.devices()[0]):
        start = time.perf_counter()
        compiled = jitted.lower(*args).compile()
    return compiled, time.perf_counter() - start


def flops_of(compiled, fn, *args) -> float:
    """XLA's cost analysis of ``compiled`` (``jit(fn)`` at ``args``) plus the FLOPs of the
    convolutions it hands to oneDNN: a custom call, which XLA counts as none. On other
    backends, the analysis of the program before XLA's passes, which counts the convolutions
    and products that XLA:GPU hands to cuDNN and cuBLAS (custom calls after its passes)."""
    if jax.default_backend() != "cpu":
        compiled = compiler.jit(fn).lower(*args)
    analysis = compiled.cost_analysis()
    if isinstance(analysis, list):
        analysis = analysis[0]
    xla = float(analysis.get("flops", 0.0)) if analysis else 0.0
    return xla + onednn_convolution_flops(fn, *args)


def onednn_convolution_flops(fn, *args) -> float:
    """The FLOPs of fn's float32 convolution passes, if this process lowers them to oneDNN
    (a loop body's passes counted once, as XLA counts a loop body)."""
    if jax.default_backend() != "cpu" or not onednn.enabled():
        return 0.0
    passes = convolution_passes(jax.make_jaxpr(fn)(*args).jaxpr)
    return sum(
        count * pass_flops(primitive, shapes, params)
        for (primitive, shapes, dtypes, params), count in passes.items()
        if set(dtypes) == {"float32"}
    )


def convolution_passes(jaxpr) -> Counter:
    """(primitive, shapes, dtypes, params) of each convolution pass, counted (nested jaxprs too)."""
    found = Counter()
    for eqn in jaxpr.eqns:
        if eqn.primitive in primitives.REFERENCES:
            shapes = tuple(tuple(v.aval.shape) for v in eqn.invars)
            dtypes = tuple(str(v.aval.dtype) for v in eqn.invars)
            found[(eqn.primitive, shapes, dtypes, tuple(sorted(eqn.params.items())))] += 1
        for sub in jaxprs_in_params(eqn.params):
            found.update(convolution_passes(sub))
    return found


def in_bounds_taps(size: int, out: int, kernel: int, stride: int, low: int) -> int:
    """Σ over output positions i of the taps a with 0 ≤ s·i + a − lo < size (padding skipped)."""
    rows = stride * np.arange(out)[:, None] + np.arange(kernel)[None, :] - low
    return int(((rows >= 0) & (rows < size)).sum())


def pass_flops(primitive, shapes, params) -> float:
    """2 · N · C_in · C_out · (in-bounds taps over the output), the same for all three passes:
    the multiply-adds of the forward convolution that do not touch padding, as XLA counts."""
    params = dict(params)
    if primitive is primitives.forward_p:
        (n, *image, c_in), (*kernel, _, c_out) = shapes
    elif primitive is primitives.input_grad_p:
        (n, *_, c_out), (*kernel, c_in, _) = shapes
        image = params["image_size"]
    else:
        (n, *image, c_in), (_, *_, c_out) = shapes
        kernel = params["kernel_size"]
    taps = 1
    for axis in range(2):
        stride, (low, high) = params["strides"][axis], params["padding"][axis]
        out = references.output_size(image[axis], kernel[axis], stride, (low, high))
        taps *= in_bounds_taps(image[axis], out, kernel[axis], stride, low)
    return 2.0 * n * c_in * c_out * taps


def peak_bytes(compiled) -> int:
    m = compiled.memory_analysis()
    if m is None:
        return 0
    used = m.argument_size_in_bytes + m.output_size_in_bytes + m.temp_size_in_bytes
    return int(used - m.alias_size_in_bytes)


def matmul_peak_flops(n: int = 2048, repeats: int = 9, dtype=jnp.float32) -> float:
    """FLOP/s of one ``n x n`` matrix product in ``dtype``, the best this machine does: the
    fastest of ``repeats`` repeats (a shared machine's median drifts far more than its best)."""
    a = jnp.ones((n, n), dtype)
    dot = jax.jit(jnp.dot)

    def run(calls: int) -> None:  # only the last product kept: on a GPU, n = 8192 is 256 MiB
        for _ in range(calls):
            product = dot(a, a)
        product.block_until_ready()

    return 2 * n**3 / time_calls(run, repeats=repeats).fastest_seconds_per_call


def step_runner(compiled, state, batch, *, block_each: bool = False) -> Callable[[int], None]:
    """``run(n)``: apply ``compiled`` n times, each to the state the last one returned, then
    wait (no host synchronisation between steps, as in the training loop). ``block_each``
    waits after every step instead: virtual CPU devices deadlock in their all-reduce
    rendezvous when hundreds of sharded steps are queued at once on 2 cores."""
    holder = [state]

    def run(n: int):
        for _ in range(n):
            holder[0], _ = compiled(holder[0], batch)
            if block_each:
                jax.block_until_ready(holder[0])
        jax.block_until_ready(holder[0])

    return run
