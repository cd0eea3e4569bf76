"""A small convolutional classifier for 8x8x1 digits.

x (N, 8, 8, 1) → Conv3x3(w₁) → ReLU → Conv3x3(w₂) → ReLU → AvgPool2x2 → flatten
→ Dense(h) → ReLU = features (N, h) → Dense(num_classes) = logits.

``features`` are the penultimate-layer activations, the embedding that
:mod:`jaxgen.metrics.digits_classifier` fits Gaussians to for the Fréchet distance (the role
Inception's pool3 layer plays in FID, Heusel et al. 2017).
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax

from jaxgen.nn.conv import Conv


class DigitsConvNet(nn.Module, kw_only=True):
    """``__call__`` gives class logits (N, ``num_classes``), ``features`` the penultimate
    activations (N, ``hidden``); see the module docstring for the layers.

    Attributes:
      widths: the channels of the 3x3 convolutions, one per convolution (w₁, w₂, ...).
      hidden: h, the width of the dense layer whose activations are the features.
      num_classes: the number of logits.
    """

    widths: Sequence[int]
    hidden: int
    num_classes: int = 10

    def setup(self):
        self.convs = [Conv(w, (3, 3), padding="SAME") for w in self.widths]
        self.dense = nn.Dense(self.hidden)
        self.head = nn.Dense(self.num_classes)

    def features(self, x: jax.Array) -> jax.Array:
        for conv in self.convs:
            x = nn.relu(conv(x))
        x = nn.avg_pool(x, (2, 2), (2, 2))
        return nn.relu(self.dense(x.reshape(x.shape[0], -1)))

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.head(self.features(x))
