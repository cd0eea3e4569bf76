"""Loading the oneDNN convolution kernels (``onednn_conv.cc``) into XLA:CPU through the JAX FFI.

``python -m jaxgen.kernels.build`` (run by ``make venv``) compiles ``onednn_conv.cc`` against
the oneDNN of the ``onednn-cpu-gomp`` wheel into ``libjaxgen_onednn.so`` beside this file.
:func:`loaded` loads it once and registers its three handlers as XLA:CPU custom-call
targets. Without the library (another platform, no compiler), or with
``JAXGEN_CPU_CONVOLUTIONS=xla`` in the environment, every convolution stays XLA's own.
"""

import ctypes
import functools
import os
import pathlib

import jax

LIBRARY = pathlib.Path(__file__).with_name("libjaxgen_onednn.so")
SWITCH = "JAXGEN_CPU_CONVOLUTIONS"
TARGETS = {
    "forward": "JaxgenConvForward",
    "input_grad": "JaxgenConvInputGrad",
    "weight_grad": "JaxgenConvWeightGrad",
}


def target_name(pass_name: str) -> str:
    """The custom-call target of one pass: ``forward``, ``input_grad`` or ``weight_grad``."""
    return f"jaxgen_onednn_conv_{pass_name}"


def enabled() -> bool:
    """Whether XLA:CPU convolutions lowered now go to oneDNN (``JAXGEN_CPU_CONVOLUTIONS`` is read
    at every lowering, so a process can compare both; ``jax.clear_caches()`` between them)."""
    choice = os.environ.get(SWITCH, "onednn")
    if choice not in ("onednn", "xla"):
        raise ValueError(f"{SWITCH}={choice!r} is not a choice: set it to 'onednn' or 'xla'")
    return choice == "onednn" and loaded()


@functools.cache
def loaded() -> bool:
    """Load the library once and register its handlers; False if it was not built."""
    if not LIBRARY.exists():
        return False
    library = ctypes.CDLL(str(LIBRARY))
    for pass_name, symbol in TARGETS.items():
        capsule = jax.ffi.pycapsule(getattr(library, symbol))
        jax.ffi.register_ffi_target(target_name(pass_name), capsule, platform="cpu")
    return True
