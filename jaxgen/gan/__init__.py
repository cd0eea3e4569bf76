"""GANs (Goodfellow et al. 2014): objectives, state and update steps, and the WGAN critic's
constraints and regularisers (Arjovsky et al. 2017; Gulrajani et al. 2017; Mescheder et al.
2018); class-conditional GANs (Mirza & Osindero 2014; Miyato & Koyama 2018)."""

from jaxgen.gan.losses import OBJECTIVES, Objective, objective, scaled
from jaxgen.gan.penalties import Penalty, gradient_penalty, r1
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
    "Penalty",
    "generate",
    "gradient_penalty",
    "init_gan_state",
    "latent",
    "make_d_step",
    "make_g_step",
    "make_gan_step",
    "make_scheduled_wgan_step",
    "objective",
    "r1",
    "scaled",
]
