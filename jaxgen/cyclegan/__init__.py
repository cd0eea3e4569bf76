"""CycleGAN (Zhu et al. 2017): unpaired translation with two generators, two
discriminators, cycle consistency and pools of past fakes."""

from jaxgen.cyclegan.losses import adversarial, cycle_loss, identity_loss
from jaxgen.cyclegan.pool import ImagePool, empty_pool, query_pool
from jaxgen.cyclegan.state import CycleGANState, init_cyclegan_state, translate
from jaxgen.cyclegan.steps import (
    make_cyclegan_step,
    make_discriminator_update,
    make_generator_update,
)

__all__ = [
    "CycleGANState",
    "adversarial",
    "ImagePool",
    "cycle_loss",
    "empty_pool",
    "identity_loss",
    "init_cyclegan_state",
    "make_cyclegan_step",
    "make_discriminator_update",
    "make_generator_update",
    "query_pool",
    "translate",
]
