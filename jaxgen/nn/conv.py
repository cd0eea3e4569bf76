"""``Conv``: Flax's ``nn.Conv`` computing through :mod:`jaxgen.kernels.conv`'s primitives.

Same module, parameters (``Conv_<i>/kernel``, ``Conv_<i>/bias``), initialisation and values;
only the lowering differs, and only on XLA:CPU with the oneDNN kernels built, where the
convolution and both its gradients run on oneDNN.
"""

import functools

import flax.linen as nn

from jaxgen.kernels.conv import conv_general_dilated

Conv = functools.partial(nn.Conv, conv_general_dilated=conv_general_dilated)
Conv.__doc__ = """Flax's ``nn.Conv`` with its ``conv_general_dilated`` bound to
:func:`jaxgen.kernels.conv.conv_general_dilated`: the same module, parameters, initialisation
and values, computed through jaxgen's convolution primitives. Every other argument is
``nn.Conv``'s and means what it means there: ``features``, ``kernel_size``, ``strides``,
``padding``, ``input_dilation``, ``kernel_dilation``, ``feature_group_count``, ``use_bias``,
``mask``, ``dtype``, ``param_dtype``, ``precision``, ``kernel_init``, ``bias_init``,
``promote_dtype`` and ``conv_general_dilated_cls``."""
