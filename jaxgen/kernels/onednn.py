"""Finding, checking and loading the oneDNN convolution kernels (``onednn_conv.cc``) for XLA:CPU.

``python -m jaxgen.kernels.build`` compiles ``onednn_conv.cc`` (package data) into
:func:`library_path`, in a per-user cache directory (``$JAXGEN_CACHE_DIR``, else
``$XDG_CACHE_HOME/jaxgen``, else ``~/.cache/jaxgen``; one directory per Python environment,
whose oneDNN it links), never into the installed package, and
writes beside it a record of what it was built for (:func:`build_record`: the jaxlib
release, the platform and machine, the source's SHA-256). :func:`loaded` loads it once and
registers its three handlers as XLA:CPU custom-call targets, after checking that record
against this process; a library built for another jaxlib, machine or source is refused.

The kernels are an optional speed-up. Not built, refused, or failing to load, they leave XLA's
own convolutions in use, and the first CPU lowering that would have used them logs one line
saying why. ``JAXGEN_CPU_CONVOLUTIONS=xla`` chooses XLA's convolutions outright.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import logging
import os
import pathlib
import platform
import sys

import jaxlib

from jaxgen.errors import JaxgenError
from jaxgen.kernels import jax_api

SOURCE = pathlib.Path(__file__).with_name("onednn_conv.cc")
SWITCH = "JAXGEN_CPU_CONVOLUTIONS"
CACHE_ENV = "JAXGEN_CACHE_DIR"
TARGETS = {
    "forward": "JaxgenConvForward",
    "input_grad": "JaxgenConvInputGrad",
    "weight_grad": "JaxgenConvWeightGrad",
}
BUILD_COMMAND = "python -m jaxgen.kernels.build"
log = logging.getLogger("jaxgen")


def cache_dir() -> pathlib.Path:
    """jaxgen's per-user cache directory."""
    if os.environ.get(CACHE_ENV):
        return pathlib.Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "jaxgen"


def library_path() -> pathlib.Path:
    """The library of this Python environment (it links that environment's oneDNN): one
    directory per environment prefix under the cache's ``kernels/``."""
    prefix = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    return cache_dir() / "kernels" / f"env-{prefix}" / "libjaxgen_onednn.so"


def record_path() -> pathlib.Path:
    return library_path().with_suffix(".json")


def build_record() -> dict[str, str]:
    """What a library built now, in this process, is built for."""
    return {
        "jaxlib": jaxlib.__version__,
        "platform": sys.platform,
        "machine": platform.machine(),
        "source_sha256": hashlib.sha256(SOURCE.read_bytes()).hexdigest(),
    }


def target_name(pass_name: str) -> str:
    """The custom-call target of one pass: ``forward``, ``input_grad`` or ``weight_grad``."""
    return f"jaxgen_onednn_conv_{pass_name}"


def enabled() -> bool:
    """Whether XLA:CPU convolutions lowered now go to oneDNN (``JAXGEN_CPU_CONVOLUTIONS`` is read
    at every lowering, so a process can compare both; ``jax.clear_caches()`` between them)."""
    choice = os.environ.get(SWITCH, "onednn")
    if choice not in ("onednn", "xla"):
        raise JaxgenError(f"{SWITCH}={choice!r} is not a choice: set it to 'onednn' or 'xla'")
    return choice == "onednn" and loaded()


def why_unusable() -> str | None:
    """Why the library in the cache cannot be loaded into this process, or None if it can."""
    library, record_file = library_path(), record_path()
    if not library.exists():
        return f"the oneDNN convolution kernels are not built ({BUILD_COMMAND} builds them)"
    try:
        record = json.loads(record_file.read_text())
    except (OSError, ValueError):
        return f"{library} has no readable build record; rebuild it with {BUILD_COMMAND}"
    current = build_record()
    if record != current:
        built = ", ".join(f"{k} {record.get(k)}" for k in current if record.get(k) != current[k])
        now = ", ".join(f"{k} {current[k]}" for k in current if record.get(k) != current[k])
        return f"refused {library}: built for {built}, this is {now}; rebuild with {BUILD_COMMAND}"
    return None


@functools.cache
def loaded() -> bool:
    """Load the library once and register its handlers; False, with one logged line saying
    why, if it is absent, was built for something else, or fails to load."""
    api = jax_api.extension_api()
    problem = why_unusable() if api is not None else "JAX's FFI is not usable here"
    if problem is None:
        try:
            library = ctypes.CDLL(str(library_path()))
            capsules = {name: api.ffi.pycapsule(getattr(library, s)) for name, s in TARGETS.items()}
        except (OSError, AttributeError) as err:
            problem = f"{library_path()} failed to load ({err}); rebuild it with {BUILD_COMMAND}"
    if problem is not None:
        log.warning("jaxgen: %s; XLA:CPU's own convolutions run", problem)
        return False
    for pass_name, capsule in capsules.items():
        api.ffi.register_ffi_target(target_name(pass_name), capsule, platform="cpu")
    return True
