"""Class labels as network inputs:

* an embedding table with one extra row, the null label ∅ that classifier-free guidance
  trains and samples with (Ho & Salimans 2022, §3.2);
* the class-conditional batch normalisation of SNGAN's and BigGAN's generators;
* the classes a conditional model's samples are drawn for (:func:`requested_labels`).

Labels are int32 in ``[0, num_classes]``; ``num_classes`` itself is ∅."""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from jaxgen.errors import JaxgenError


def null_label(num_classes: int) -> int:
    """The index of ∅, the "no class" label, in a model of ``num_classes`` classes."""
    return num_classes


class ClassEmbedding(nn.Module, kw_only=True):
    """e(y) ∈ R^features for y ∈ {0, …, num_classes − 1} and the null label ∅ = num_classes,
    each a learned row (initialised N(0, 1), as ``nn.Embed``'s default).

    Attributes:
      num_classes: the classes; the table has ``num_classes + 1`` rows.
      features: the embedding's width.
    """

    num_classes: int
    features: int

    @nn.compact
    def __call__(self, labels: jax.Array) -> jax.Array:
        return nn.Embed(self.num_classes + 1, self.features)(labels)


def requested_labels(n: int, num_classes: int, classes=None) -> np.ndarray:
    """The classes n samples of a conditional model are drawn for: sample i requests
    ``classes[i mod len(classes)]`` (default: every class, so class i mod ``num_classes``,
    each drawn equally often, and a 10-wide grid of the first 100 samples shows one class per
    column). A class outside [0, num_classes) is a one-line error."""
    if classes is None:
        classes = np.arange(num_classes)
    classes = check_labels(classes, num_classes)
    return classes[np.arange(n) % len(classes)]


def check_labels(labels, num_classes: int) -> np.ndarray:
    """``labels`` as int32, or a one-line error naming the first outside [0, num_classes)."""
    labels = np.asarray(labels)
    if labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise JaxgenError(f"labels must be class indices, got {labels!r}; pass integers")
    outside = (labels < 0) | (labels >= num_classes)
    if outside.any():
        raise JaxgenError(
            f"label {int(labels[outside][0])} is outside the model's classes "
            f"0 … {num_classes - 1}; request a class in that range"
        )
    return labels.astype(np.int32)


class ConditionalBatchNorm(nn.Module, kw_only=True):
    """Batch normalisation whose scale and shift are the label's: γ(y) ⊙ x̂ + β(y), x̂ the
    batch-normalised input without affine terms (de Vries et al. 2017; the generators of
    SNGAN, Miyato & Koyama 2018, §4, and BigGAN). γ starts near 1 (N(1, 0.02), DCGAN's
    BatchNorm scale) and β at 0, one row per class.

    Attributes:
      num_classes: the classes (rows of γ and β).
      momentum: the running averages' momentum (DCGAN's reference code: 0.9).
    """

    num_classes: int
    momentum: float = 0.9

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array, train: bool) -> jax.Array:
        width = x.shape[-1]
        normalised = nn.BatchNorm(
            use_running_average=not train,
            momentum=self.momentum,
            epsilon=1e-5,
            use_scale=False,
            use_bias=False,
        )(x)

        def scale_init(key, shape, dtype=jnp.float32):
            return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)

        gamma = nn.Embed(self.num_classes, width, embedding_init=scale_init, name="scale")(labels)
        beta = nn.Embed(
            self.num_classes, width, embedding_init=nn.initializers.zeros, name="shift"
        )(labels)
        spatial = (1,) * (x.ndim - 2)
        shape = (labels.shape[0], *spatial, width)
        return normalised * gamma.reshape(shape).astype(x.dtype) + beta.reshape(shape).astype(
            x.dtype
        )
