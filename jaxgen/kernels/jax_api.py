"""The one place jaxgen reaches JAX's extension APIs (``jax.extend``, ``jax.interpreters``,
``jax.ffi``), which JAX's compatibility policy does not cover.

:func:`extension_api` returns them as one :class:`ExtensionApi`, or None, with one warning,
when this JAX is outside :data:`TESTED` or lacks one of them. Callers then compute with
``lax.conv_general_dilated`` directly: the same numbers, on XLA's convolutions.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import jax

# The JAX releases whose extension APIs jaxgen's primitives were checked against: the lock's
# 0.10 and the 0.11 of current GPU images. Keep in step with setup.cfg's install_requires.
TESTED = ((0, 10), (0, 11))


class JaxApiWarning(UserWarning):
    """This JAX's extension APIs are not the ones jaxgen's primitives were written for."""


@dataclass(frozen=True, kw_only=True)
class ExtensionApi:
    """The JAX extension points the convolution primitives use."""

    Primitive: type
    ShapedArray: type
    ad: ModuleType
    batching: ModuleType
    mlir: ModuleType
    ffi: ModuleType


def release(version: str) -> tuple[int, int] | None:
    """``(major, minor)`` of a version string such as ``0.10.2`` or ``0.11.0.dev20260101``."""
    parts = version.split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


def _load() -> tuple[ExtensionApi | None, str]:
    if release(jax.__version__) not in TESTED:
        tested = ", ".join(f"{a}.{b}" for a, b in TESTED)
        return None, f"jax {jax.__version__} is not one jaxgen was tested with ({tested})"
    try:
        from jax.extend.core import Primitive
        from jax.interpreters import ad, batching, mlir

        api: dict[str, Any] = dict(Primitive=Primitive, ad=ad, batching=batching, mlir=mlir)
        api["ShapedArray"] = jax.core.ShapedArray
        api["ffi"] = jax.ffi
        for module, names in (
            (ad, ("defbilinear",)),
            (batching, ("primitive_batchers",)),
            (mlir, ("register_lowering", "lower_fun")),
            (jax.ffi, ("ffi_lowering", "register_ffi_target", "pycapsule", "include_dir")),
        ):
            for name in names:
                getattr(module, name)
    except (ImportError, AttributeError) as err:
        return None, f"jax {jax.__version__} lacks an extension API jaxgen uses ({err})"
    return ExtensionApi(**api), ""


@functools.cache
def extension_api() -> ExtensionApi | None:
    """JAX's extension APIs, or None (warned once) where this JAX lacks or may have changed
    them; then convolutions go to ``lax.conv_general_dilated`` (XLA's, on every backend)."""
    api, problem = _load()
    if api is None:
        warnings.warn(
            f"{problem}; jaxgen's convolutions use lax.conv_general_dilated "
            "(install a tested jax to restore the oneDNN path on CPU)",
            JaxApiWarning,
            stacklevel=2,
        )
    return api
