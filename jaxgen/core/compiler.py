"""How jaxgen asks XLA to compile: with the options :mod:`jaxgen.core.backend` chooses for the
backend in use (LLVM -O1 on CPU; deterministic programs on GPU).

Initial states come out bit for bit as at XLA's default options
(``tests/core/test_compiler.py``); a step's float results can differ in the last bits
(CycleGAN's and Glow's did at -O1), and a run is reproducible under either.
"""

from __future__ import annotations

from collections.abc import Callable

import jax

from jaxgen.core import backend


def options() -> dict[str, int | bool] | None:
    """The compiler options jaxgen passes now (:meth:`BackendChoices.compiler_options`)."""
    return backend.choices().compiler_options()


def jit(fn: Callable, **jit_kwargs):
    """``jax.jit(fn, **jit_kwargs)`` compiled with :func:`options` for the backend in use.

    For top-level programs only: JAX refuses ``compiler_options`` on a ``jit`` nested in
    another or transformed (under ``jax.vjp``, say); use ``jax.jit`` there."""
    return jax.jit(fn, compiler_options=options(), **jit_kwargs)
