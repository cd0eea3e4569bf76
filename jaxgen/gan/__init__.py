"""GANs (Goodfellow et al. 2014): objectives, state and update steps, and the WGAN critic's
constraints (Arjovsky et al. 2017; Gulrajani et al. 2017)."""

from jaxgen.gan.losses import OBJECTIVES, Objective, objective, scaled
from jaxgen.gan.state import GANState, init_gan_state
from jaxgen.gan.steps import (
    generate,
    latent,
    make_d_step,
    make_g_step,
    make_gan_step,
    make_scheduled_wgan_step,
)

__all__ = [
    "OBJECTIVES",
    "GANState",
    "Objective",
    "generate",
    "init_gan_state",
    "latent",
    "make_d_step",
    "make_g_step",
    "make_gan_step",
    "make_scheduled_wgan_step",
    "objective",
    "scaled",
]
