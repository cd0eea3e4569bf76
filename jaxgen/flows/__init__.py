"""Normalizing flows: bijectors with exact log-determinants, RealNVP and Glow, and their
maximum-likelihood training (state, step, log-density, dequantization, sampling); Glow's
class-conditional prior."""

from jaxgen.flows.bijector import Bijector, Chain, Repeated
from jaxgen.flows.conditional import (
    ClassConditionalPrior,
    conditional_log_prob,
    conditional_sample,
)
from jaxgen.flows.coupling import Coupling, channel_mask, checkerboard, half_mask
from jaxgen.flows.layers import (
    ActNorm,
    InvertibleConv1x1,
    LearnedPrior,
    LogitTransform,
    Permute,
    Squeeze,
)
from jaxgen.flows.likelihood import bits_per_dim, dequantize, log_prob, sample
from jaxgen.flows.models import ImageFlow, MultiScale, coupling_flow, glow, realnvp
from jaxgen.flows.spline import SplineCoupling
from jaxgen.flows.state import FlowState, init_flow_state
from jaxgen.flows.steps import make_flow_step

__all__ = [
    "ActNorm",
    "Bijector",
    "Chain",
    "ClassConditionalPrior",
    "Coupling",
    "FlowState",
    "ImageFlow",
    "InvertibleConv1x1",
    "LearnedPrior",
    "LogitTransform",
    "MultiScale",
    "Permute",
    "Repeated",
    "SplineCoupling",
    "Squeeze",
    "bits_per_dim",
    "channel_mask",
    "checkerboard",
    "conditional_log_prob",
    "conditional_sample",
    "coupling_flow",
    "dequantize",
    "glow",
    "half_mask",
    "init_flow_state",
    "log_prob",
    "make_flow_step",
    "realnvp",
    "sample",
]
