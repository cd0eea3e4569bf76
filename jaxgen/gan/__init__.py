"""GANs: losses, state and update steps (Goodfellow et al. 2014)."""

from jaxgen.gan.state import GANState, init_gan_state
from jaxgen.gan.steps import generate, make_d_step, make_g_step, make_gan_step

__all__ = ["GANState", "generate", "init_gan_state", "make_d_step", "make_g_step", "make_gan_step"]
