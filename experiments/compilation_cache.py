"""JAX's persistent compilation cache for the command-line entry points.

A second run of a config reads its compiled programs from disk instead of compiling them
again (a DDPM U-Net's step and initial state: 36-45 s on a 2-core CPU, ``python -m
benchmarks.compile_parts``). A cached program is the same program, so results do not change.
"""

from __future__ import annotations

import os

DEFAULT_DIRECTORY = os.environ.get("JAX_COMPILATION_CACHE_DIR", "~/.cache/jaxgen/xla")


def use_compilation_cache(directory: str) -> None:
    """Keep compiled programs in ``directory`` (JAX's persistent cache); none if empty."""
    import jax  # here, so that importing this module (for --help) does not import JAX

    if directory:
        jax.config.update("jax_compilation_cache_dir", os.path.expanduser(directory))
    else:
        jax.config.update("jax_enable_compilation_cache", False)
