"""2-D convolutions as JAX primitives, and their optional oneDNN lowering on XLA:CPU.

:mod:`jaxgen.kernels.conv` is what the networks call. On every backend its primitives lower to
the HLO of ``lax.conv_general_dilated``; on XLA:CPU, with the library of
``onednn_conv.cc`` built (``python -m jaxgen.kernels.build``, into a per-user cache
directory, :mod:`jaxgen.kernels.onednn`), to oneDNN calls. The JAX internals this needs are
reached through :mod:`jaxgen.kernels.jax_api` alone.
"""
