"""Normalizing flows: bijectors with exact log-determinants, RealNVP and Glow."""

from jaxgen.flows.bijector import Bijector, Chain, Repeated
from jaxgen.flows.coupling import Coupling, channel_mask, checkerboard, half_mask
from jaxgen.flows.layers import (
    ActNorm,
    InvertibleConv1x1,
    LearnedPrior,
    LogitTransform,
    Permute,
    Squeeze,
)
from jaxgen.flows.models import ImageFlow, MultiScale, coupling_flow, glow, realnvp
from jaxgen.flows.spline import SplineCoupling

__all__ = [
    "ActNorm",
    "Bijector",
    "Chain",
    "Coupling",
    "ImageFlow",
    "InvertibleConv1x1",
    "LearnedPrior",
    "LogitTransform",
    "MultiScale",
    "Permute",
    "Repeated",
    "SplineCoupling",
    "Squeeze",
    "channel_mask",
    "checkerboard",
    "coupling_flow",
    "glow",
    "half_mask",
    "realnvp",
]
