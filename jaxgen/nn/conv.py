"""``Conv``: Flax's ``nn.Conv`` computing through :mod:`jaxgen.kernels.conv`'s primitives.

Same module, parameters (``Conv_<i>/kernel``, ``Conv_<i>/bias``), initialisation and values;
only the lowering differs, and only on XLA:CPU with the oneDNN kernels built, where the
convolution and both its gradients run on oneDNN.
"""

import functools

import flax.linen as nn

from jaxgen.kernels.conv import conv_general_dilated

Conv = functools.partial(nn.Conv, conv_general_dilated=conv_general_dilated)
