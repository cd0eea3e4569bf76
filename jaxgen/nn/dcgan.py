"""DCGAN generator and discriminator (Radford et al. 2016, §3 and Fig. 1).

Generator: z → Dense to a 4x4 map of width ``features · 2^(u−1)`` → (BatchNorm, ReLU) →
``u − 1`` stride-2 4x4 transposed convolutions halving the width, each with BatchNorm and ReLU
→ a final stride-2 transposed convolution to ``channels`` → tanh. Discriminator: the mirror
image with stride-2 4x4 convolutions doubling the width, LeakyReLU(0.2), BatchNorm on every
layer but the first (LayerNorm or none for a WGAN-GP critic), and a linear logit.
``u = log2(image_size / base_size)``; the paper's ``base_size`` is 4, so 64x64 images use
four resolution changes. For 8x8 digits a ``base_size`` of 2 (jaxgen's choice) gives both
networks two layers instead of one. Weights are initialised from N(0, 0.02) and BatchNorm
scales from N(1, 0.02) (§4); BatchNorm momentum 0.9 matches the reference code's 0.1
running-average update.

The stride-2 transposed convolutions are :class:`UpConv`: the input gradient of a stride-2
convolution, which is what a transposed convolution is, on :mod:`jaxgen.kernels.conv`'s
primitives. It multiplies no inserted zeros and, at these models' shapes, beats both the
sub-pixel form and zero insertion on either lowering (benchmarks/README.md).

Class-conditional pairs (``num_classes`` > 0) take labels y (N,) after their input:
* generator ``conditioning="batch_norm"``: every BatchNorm is class-conditional, γ(y) and
  β(y) (SNGAN, Miyato & Koyama 2018, §4; BigGAN); ``"concat"``: z is concatenated with the
  one-hot y (Mirza & Osindero 2014, §4.1);
* discriminator ``conditioning="projection"``: with φ(x) the flattened last feature map,
  D(x, y) = ψ(φ(x)) + ⟨V e_y, φ(x)⟩, ψ linear (Miyato & Koyama 2018, eq. 3); ``"concat"``: the
  one-hot y is appended to the image as constant channels (Mirza & Osindero's concatenation,
  on the input of a convolutional D).
``spectral_norm`` divides every discriminator weight by its largest singular value,
estimated by one power iteration per call whose vector lives in ``batch_stats`` (Miyato et
al. 2018, Algorithm 1; Flax's ``SpectralNorm``).
"""

from __future__ import annotations

import math

import flax.linen as nn
import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.kernels.conv import input_grad
from jaxgen.nn.conv import Conv
from jaxgen.nn.labels import ConditionalBatchNorm

WEIGHT_INIT = nn.initializers.normal(0.02)


def _scale_init(key, shape, dtype=jnp.float32):
    return 1.0 + 0.02 * jax.random.normal(key, shape, dtype)


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(
        use_running_average=not train, momentum=0.9, epsilon=1e-5, scale_init=_scale_init
    )


class ConvWeights(nn.Module, kw_only=True):
    """The kernel (k, k, in, out) and bias of a convolution, initialised as ``nn.Conv``'s."""

    shape: tuple[int, int, int, int]
    use_bias: bool

    @nn.compact
    def __call__(self) -> tuple[jax.Array, jax.Array | None]:
        kernel = self.param("kernel", WEIGHT_INIT, self.shape)
        bias = self.param("bias", nn.initializers.zeros, self.shape[-1:]) if self.use_bias else None
        return kernel, bias


def by_transpose(x: jax.Array, weights: jax.Array) -> jax.Array:
    """The transposed convolution as what it is: the input gradient of a stride-2 k x k
    convolution from the 2H x 2W output to the H x W input.

    With ``y[p] = Σ_t W[t] · x[(p + t − k//2) / 2]`` (per axis, over the t that make it whole)
    and a convolution ``z[q] = Σ_s K[s] · y[2q + s − lo]``, the transpose of ``y ↦ z`` is the
    transposed convolution when ``K[s] = W[k − 1 − s]`` with input and output channels
    swapped and ``lo = k − 1 − k//2``; ``hi = k − 2 − lo`` makes the sizes fit exactly. It
    multiplies no zeros, and its gradients are a stride-2 convolution (for x) and a stride-2
    weight gradient (for W): all three passes are :mod:`jaxgen.kernels.primitives`.
    """
    n, h, w, _ = x.shape
    k = weights.shape[0]
    low = k - 1 - k // 2
    pads = ((low, k - 2 - low),) * 2
    kernel = jnp.flip(weights, (0, 1)).transpose(0, 1, 3, 2)
    return input_grad(x, kernel, strides=(2, 2), padding=pads, image_size=(2 * h, 2 * w))


class UpConv(nn.Module, kw_only=True):
    """Stride-2, k x k transposed convolution, output 2H x 2W, as :func:`by_transpose`.

    For k = 4 (DCGAN) it equals the 2-dilated convolution padded by 2 on each side
    (``lax.conv_general_dilated`` with ``lhs_dilation=(2, 2)``; tested), PyTorch's
    ``ConvTranspose2d(k=4, stride=2, padding=1)``;
    for k = 3 PyTorch's ``ConvTranspose2d(k=3, stride=2, padding=1, output_padding=1)``
    (CycleGAN). Written as the input gradient of a convolution, it beats zero insertion and the
    sub-pixel form at these models' shapes (benchmarks/README.md).
    Parameters are named as ``nn.Conv``'s (``Conv_0/kernel``, ``Conv_0/bias``).

    Attributes:
      features: the output channels.
      use_bias: add a bias (off where a BatchNorm follows).
      kernel: k, the kernel's side.
    """

    features: int
    use_bias: bool = True
    kernel: int = 4

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k, c = self.kernel, x.shape[-1]
        weights, bias = ConvWeights(
            shape=(k, k, c, self.features), use_bias=self.use_bias, name="Conv_0"
        )()
        dtype = jnp.result_type(x, weights)
        x, weights = x.astype(dtype), weights.astype(dtype)
        y = by_transpose(x, weights)
        return y if bias is None else y + bias.astype(dtype)[None, None, None]


def resolution_changes(image_size: int, base_size: int) -> int:
    """log2(image_size / base_size): the stride-2 layers between the base map and the image."""
    steps = math.log2(image_size / base_size)
    if image_size > 128 or steps < 1 or steps != int(steps):
        raise JaxgenError(
            f"DCGAN needs a power-of-two image size from 2·base_size={2 * base_size} to 128, "
            f"got {image_size}"
        )
    return int(steps)


class DCGANGenerator(nn.Module, kw_only=True):
    """DCGAN's generator (see the module docstring): z (N, latent) to images
    (N, ``image_size``, ``image_size``, ``channels``) in [−1, 1]; ``train`` selects batch
    statistics (True) or the running averages (False) in BatchNorm.

    Attributes:
      image_size: the images' side: base_size times a power of two, from 2·base_size to 128.
      channels: the images' channels.
      features: the width of the last hidden layer; each layer before it doubles it.
      base_size: the side of the first feature map (the paper: 4).
      num_classes: the classes of a conditional generator ``G(z, y)`` (0: ``G(z)``).
      conditioning: how y enters: ``"batch_norm"`` or ``"concat"`` (module docstring).
    """

    image_size: int
    channels: int
    features: int = 64
    base_size: int = 4
    num_classes: int = 0
    conditioning: str = "batch_norm"

    @nn.compact
    def __call__(self, z: jax.Array, labels: jax.Array | None = None, train: bool = False):
        check_conditioning(self, labels, GENERATOR_CONDITIONING)
        ups = resolution_changes(self.image_size, self.base_size)
        width = self.features * 2 ** (ups - 1)
        side = self.base_size

        def normalize(x):
            if labels is not None and self.conditioning == "batch_norm":
                return ConditionalBatchNorm(num_classes=self.num_classes)(x, labels, train)
            return _batch_norm(train)(x)

        if labels is not None and self.conditioning == "concat":
            z = jnp.concatenate([z, jax.nn.one_hot(labels, self.num_classes, dtype=z.dtype)], -1)
        x = nn.Dense(side * side * width, use_bias=False, kernel_init=WEIGHT_INIT)(z)
        x = nn.relu(normalize(x.reshape(-1, side, side, width)))
        for _ in range(ups - 1):
            width //= 2
            x = UpConv(features=width, use_bias=False)(x)
            x = nn.relu(normalize(x))
        x = UpConv(features=self.channels)(x)
        return jnp.tanh(x)


NORMALIZATIONS = ("batch", "layer", "none")
GENERATOR_CONDITIONING = ("batch_norm", "concat")
DISCRIMINATOR_CONDITIONING = ("projection", "concat")


def check_conditioning(module, labels, choices: tuple[str, ...]) -> None:
    """Labels given exactly when the module is conditional, and a known ``conditioning``."""
    if (labels is None) != (module.num_classes == 0):
        raise JaxgenError(
            f"a {type(module).__name__} of num_classes={module.num_classes} was called "
            f"{'without' if labels is None else 'with'} labels; pass labels exactly when "
            "num_classes > 0"
        )
    if module.num_classes and module.conditioning not in choices:
        raise JaxgenError(
            f"unknown {type(module).__name__} `conditioning` {module.conditioning!r}; "
            f"use one of {choices}"
        )


class DCGANDiscriminator(nn.Module, kw_only=True):
    """DCGAN's discriminator (see the module docstring): images to one logit each, (N, 1).

    Attributes:
      image_size: the images' side: base_size times a power of two, from 2·base_size to 128.
      features: the width of the first convolution; each layer after it doubles it.
      base_size: the side of the last feature map (the paper: 4).
      normalization: after every convolution but the first: DCGAN's ``"batch"``, or for a
        WGAN-GP critic, whose penalty needs each score to depend on its own example only
        (Gulrajani et al. 2017, §4), ``"layer"`` (their recommended drop-in) or ``"none"``
        (spectrally normalised discriminators, Miyato et al. 2018, use none).
      num_classes: the classes of a conditional discriminator ``D(x, y)`` (0: ``D(x)``).
      conditioning: how y enters: ``"projection"`` or ``"concat"`` (module docstring).
      spectral_norm: divide every weight by its estimated largest singular value.
    """

    image_size: int
    features: int = 64
    base_size: int = 4
    normalization: str = "batch"
    num_classes: int = 0
    conditioning: str = "projection"
    spectral_norm: bool = False

    def _normalize(self, x: jax.Array, train: bool) -> jax.Array:
        if self.normalization == "batch":
            return _batch_norm(train)(x)
        if self.normalization == "layer":
            return nn.LayerNorm(epsilon=1e-5)(x)
        return x

    def _layer(self, layer: nn.Module, x: jax.Array, train: bool) -> jax.Array:
        if self.spectral_norm:
            return nn.SpectralNorm(layer)(x, update_stats=train)
        return layer(x)

    def _features(self, x: jax.Array, labels: jax.Array | None, train: bool) -> jax.Array:
        """φ(x): the last feature map, flattened, (N, F) (sown as ``intermediates/features``)."""
        if labels is not None and self.conditioning == "concat":
            side = x.shape[1:3]
            maps = jax.nn.one_hot(labels, self.num_classes, dtype=x.dtype)[:, None, None, :]
            x = jnp.concatenate(
                [x, jnp.broadcast_to(maps, (*x.shape[:1], *side, maps.shape[-1]))], -1
            )
        downs = resolution_changes(self.image_size, self.base_size)
        width = self.features
        first = Conv(width, (4, 4), (2, 2), "SAME", kernel_init=WEIGHT_INIT)
        x = nn.leaky_relu(self._layer(first, x, train), 0.2)
        for _ in range(downs - 1):
            width *= 2
            no_bias = self.normalization == "batch"  # BatchNorm's shift replaces the bias
            conv = Conv(
                width, (4, 4), (2, 2), "SAME", use_bias=not no_bias, kernel_init=WEIGHT_INIT
            )
            x = nn.leaky_relu(self._normalize(self._layer(conv, x, train), train), 0.2)
        return x.reshape(x.shape[0], -1)

    @nn.compact
    def __call__(self, x: jax.Array, labels: jax.Array | None = None, train: bool = False):
        if self.normalization not in NORMALIZATIONS:
            raise JaxgenError(
                f"unknown discriminator `normalization` {self.normalization!r}; "
                f"use one of {NORMALIZATIONS}"
            )
        check_conditioning(self, labels, DISCRIMINATOR_CONDITIONING)
        phi = self._features(x, labels, train)
        self.sow("intermediates", "features", phi)
        logit = self._layer(nn.Dense(1, kernel_init=WEIGHT_INIT), phi, train)
        if labels is None or self.conditioning != "projection":
            return logit
        embedding = nn.Embed(
            self.num_classes, phi.shape[-1], embedding_init=WEIGHT_INIT, name="projection"
        )
        return logit + jnp.sum(self._layer(embedding, labels, train) * phi, axis=-1, keepdims=True)
