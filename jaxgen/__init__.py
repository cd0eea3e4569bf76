"""jaxgen: generative models as pure JAX/Flax functions.

Layers: ``jaxgen.core`` (state, step combinators, randomness, parallel execution, the loop),
``jaxgen.data`` (deterministic datasets), ``jaxgen.nn`` (Flax modules), one package per model
family (``jaxgen.gan``, ...), ``jaxgen.metrics`` and ``jaxgen.training.checkpoint``.
"""

__version__ = "0.1.0"
