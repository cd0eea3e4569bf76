"""Flax modules the model families compose: every network is a ``flax.linen`` module whose
sizes are keyword arguments, so that the same definition serves 8x8 digits and large images.

* :class:`MLP` and :class:`TimeConditionedMLP`: low-dimensional data (toy densities); the
  latter is a diffusion denoiser.
* :class:`DCGANGenerator` and :class:`DCGANDiscriminator` (Radford et al. 2016), with their
  transposed convolution :class:`UpConv`.
* :class:`ResnetGenerator` and :class:`PatchDiscriminator`: CycleGAN's (Zhu et al. 2017).
* :class:`UNet`: the DDPM denoiser (Ho et al. 2020), conditioned on the timestep through
  :class:`TimeEmbedding` (:func:`timestep_embedding`'s sinusoids).
* :class:`CouplingMLP` and :class:`CouplingCNN`: coupling-layer conditioners whose last layer
  starts at zero (Glow, Kingma & Dhariwal 2018).
* :class:`DigitsConvNet`: the classifier behind ``jaxgen.metrics``' digit metrics.
* :class:`FIDInceptionV3`: the Inception-v3 of FID and IS (pytorch-fid's network of the
  2015-12-05 TensorFlow graph), returning pool3 features and logits.
* ``Conv``: Flax's ``nn.Conv`` computing through ``jaxgen.kernels``' primitives, as every
  network above does.
"""

from jaxgen.nn.classifier import DigitsConvNet
from jaxgen.nn.conditioners import CouplingCNN, CouplingMLP
from jaxgen.nn.conv import Conv
from jaxgen.nn.cyclegan import PatchDiscriminator, ResnetGenerator
from jaxgen.nn.dcgan import DCGANDiscriminator, DCGANGenerator, UpConv
from jaxgen.nn.inception import FIDInceptionV3
from jaxgen.nn.mlp import MLP, TimeConditionedMLP
from jaxgen.nn.time_embedding import TimeEmbedding, timestep_embedding
from jaxgen.nn.unet import UNet

__all__ = [
    "MLP",
    "Conv",
    "CouplingCNN",
    "CouplingMLP",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "DigitsConvNet",
    "FIDInceptionV3",
    "PatchDiscriminator",
    "ResnetGenerator",
    "TimeConditionedMLP",
    "TimeEmbedding",
    "UNet",
    "UpConv",
    "timestep_embedding",
]
