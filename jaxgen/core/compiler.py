"""How jaxgen asks XLA to compile: LLVM at ``-O1`` on CPU, each backend's default elsewhere.

XLA:CPU turns every fusion of a program into machine code through LLVM, at ``-O2`` unless
``DebugOptions.xla_backend_optimization_level`` says otherwise, and its compile time follows
the number of fusions. At ``-O1`` jaxgen's train steps compile 20-40% faster (the DDPM U-Net
on the digits: 35 s to 21 s on the slow VM; its initial state: 19 s to 9 s) and run at the
same speed within the VM's noise, since their time goes to convolution and matrix kernels
compiled ahead of time (oneDNN, XNNPACK, Eigen). Initial states come out bit for bit as at
``-O2`` (``tests/core/test_compiler.py``); a step's float results can differ in the last bits
(CycleGAN's and Glow's did), and a run is reproducible at either level. The measurements are
in ``benchmarks/README.md`` ("LLVM at -O1"). GPU and TPU keep their defaults: their code
generators were not measured here.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

CPU_OPTIONS = {"xla_backend_optimization_level": 1}


def options(backend: str | None = None) -> dict[str, int] | None:
    """The compiler options jaxgen passes on ``backend`` (default: JAX's default backend)."""
    return dict(CPU_OPTIONS) if (backend or jax.default_backend()) == "cpu" else None


def jit(fn: Callable, **jit_kwargs):
    """``jax.jit(fn, **jit_kwargs)`` compiled with :func:`options` for the default backend."""
    return jax.jit(fn, compiler_options=options(), **jit_kwargs)
