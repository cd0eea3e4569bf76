"""jaxgen: generative models as pure JAX/Flax functions.

Layers (ARCHITECTURE.md): ``jaxgen.core`` (state, step combinators, randomness, parallel
execution), ``jaxgen.data`` (deterministic datasets), ``jaxgen.nn`` (Flax modules), one package
per model family (``jaxgen.gan``, ``jaxgen.flows``, ``jaxgen.diffusion``, ``jaxgen.cyclegan``),
``jaxgen.metrics``, and ``jaxgen.training`` (the loop, checkpoints and the files of a run).
"""

__version__ = "0.1.0"
