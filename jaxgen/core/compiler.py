"""How jaxgen asks XLA to compile: LLVM at ``-O1`` on CPU, each backend's default elsewhere.

XLA:CPU turns every fusion of a program into machine code through LLVM, at ``-O3`` unless
``DebugOptions.xla_backend_optimization_level`` says otherwise, and its compile time follows
the number of fusions. At ``-O1``, measured in one process with caches cleared before each
compile (``python -m benchmarks.llvm_levels``), initial states compile 1.25-3x faster (DCGAN
32x32 13.7 s to 4.5 s, the digits DDPM U-Net 19.4 s to 9.5 s) and the larger train steps up
to 29% faster (that U-Net 38.5 s to 27.5 s, Glow 25.2 s to 19.2 s), while the steps run at
the same speed within this VM's noise: their time goes to convolution and matrix kernels
compiled ahead of time (oneDNN, XNNPACK, Eigen). Initial states come out bit for bit as at
the default (``tests/core/test_compiler.py``); a step's float results can differ in the last
bits (CycleGAN's and Glow's did), and a run is reproducible at either level. GPU and TPU
keep their defaults: their code generators were not measured here.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

CPU_OPTIONS = {"xla_backend_optimization_level": 1}


def options(backend: str | None = None) -> dict[str, int] | None:
    """The compiler options jaxgen passes on ``backend`` (default: JAX's default backend)."""
    return dict(CPU_OPTIONS) if (backend or jax.default_backend()) == "cpu" else None


def jit(fn: Callable, **jit_kwargs):
    """``jax.jit(fn, **jit_kwargs)`` compiled with :func:`options` for the default backend.

    For top-level programs only: JAX refuses ``compiler_options`` on a ``jit`` nested in
    another or transformed (under ``jax.vjp``, say); use ``jax.jit`` there."""
    return jax.jit(fn, compiler_options=options(), **jit_kwargs)
