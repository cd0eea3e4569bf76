"""Every choice jaxgen makes by backend, decided here from ``jax.default_backend()``.

==========================  ========================  ===============================
choice                      CPU                       GPU, TPU
==========================  ========================  ===============================
LLVM optimisation level     -O1                       the backend's default
oneDNN convolutions         when built (optional)     never (XLA's, cuDNN on GPU)
inner loops unrolled        yes                       no: rolled ``lax.scan``
steps per dispatch          1                         1
deterministic programs      always                    ``xla_gpu_deterministic_ops``
==========================  ========================  ===============================

* **LLVM -O1 on CPU.** XLA:CPU compiles each fusion through LLVM at -O3 by default, and its
  compile time follows the fusion count. At -O1 states and steps compile faster while steps
  run at the same speed: their time is in convolution and matrix kernels built ahead of time
  (benchmarks/README.md).
* **oneDNN on CPU** (:mod:`jaxgen.kernels.onednn`): XLA:CPU's convolution gradients are slow at
  these models' shapes.
* **Unrolled inner loops on CPU**: ``alternate``'s k discriminator updates and the layers of a
  ``Repeated`` flow block (Glow's steps of flow) are traced one after another, because XLA:CPU
  runs a convolution inside a loop body many times slower (jax issue 12868). Elsewhere they
  stay rolled loops, which compile in time independent of their length (Glow on CIFAR-10 has
  96 steps of flow; ``python -m benchmarks.unrolling`` measures both forms).
* **One step per dispatch**: on CPU a rolled scan of convolutional steps runs many times
  slower (jax issue 12868, as above); on accelerators the steps of the default image models
  are long enough that dispatch is not the bottleneck. ``steps_per_dispatch`` changes it.
* **Determinism**: CPU and TPU programs are deterministic. On GPU, ``deterministic=True``
  compiles with ``xla_gpu_deterministic_ops`` (no atomic scatter-adds or reductions, and no
  autotuning, whose timing-based choice of kernels can differ between runs). Elsewhere it
  cannot be promised, which :func:`choices` says once.

:func:`choices` is what a run records in its ``config.json`` (key ``backend``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import warnings
from collections.abc import Iterator

import jax

DETERMINISTIC_PLATFORMS = frozenset({"cpu", "gpu", "cuda", "rocm", "tpu"})
_settings = {"deterministic": True, "forced_platform": None}


class NondeterminismWarning(UserWarning):
    """``deterministic=True`` was asked on a backend where jaxgen cannot promise it."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class BackendChoices:
    """What jaxgen does on ``platform`` (see the module's table)."""

    platform: str
    llvm_opt_level: int | None
    onednn_convolutions: bool
    unroll_inner_loops: bool
    steps_per_dispatch: int
    deterministic: bool

    def compiler_options(self) -> dict[str, int | bool] | None:
        """The XLA options every top-level program is compiled with (``compiler.jit``)."""
        options: dict[str, int | bool] = {}
        if self.llvm_opt_level is not None:
            options["xla_backend_optimization_level"] = self.llvm_opt_level
        if self.deterministic and self.platform in ("gpu", "cuda", "rocm"):
            options["xla_gpu_deterministic_ops"] = True
        return options or None

    def record(self) -> dict:
        """The choices as a run's config records them."""
        return dataclasses.asdict(self)


def set_deterministic(deterministic: bool) -> None:
    """Compile this process's programs deterministically (the default) or not; programs
    already compiled keep what they were compiled with."""
    _settings["deterministic"] = bool(deterministic)


@contextlib.contextmanager
def forced(platform: str) -> Iterator[None]:
    """Trace and compile as on ``platform`` while on another backend, to measure one
    backend's choices on another (``python -m benchmarks.unrolling``). The choices are read
    when a function is traced, and JAX caches traces by function: trace new functions here."""
    previous = _settings["forced_platform"]
    _settings["forced_platform"] = platform
    try:
        yield
    finally:
        _settings["forced_platform"] = previous


def current_platform() -> str:
    return _settings["forced_platform"] or jax.default_backend()


def choices() -> BackendChoices:
    """The choices on the backend in use (or the one :func:`forced` names)."""
    platform = current_platform()
    deterministic = _settings["deterministic"]
    if deterministic and platform not in DETERMINISTIC_PLATFORMS:
        _warn_nondeterministic(platform)
    cpu = platform == "cpu"
    return BackendChoices(
        platform=platform,
        llvm_opt_level=1 if cpu else None,
        onednn_convolutions=cpu and _onednn_enabled(),
        unroll_inner_loops=cpu,
        steps_per_dispatch=1,
        deterministic=deterministic and platform in DETERMINISTIC_PLATFORMS,
    )


def unroll_inner_loops() -> bool:
    """Whether ``alternate`` and ``Repeated`` unroll their loops when traced now."""
    return current_platform() == "cpu"


def _onednn_enabled() -> bool:
    from jaxgen.kernels import onednn

    return onednn.enabled()


@functools.cache
def _warn_nondeterministic(platform: str) -> None:
    warnings.warn(
        f"train.deterministic=true cannot be honoured on backend {platform!r}: jaxgen knows "
        "no setting that makes its programs deterministic there; runs may differ in the last bits",
        NondeterminismWarning,
        stacklevel=3,
    )
