"""pix2pix, paired image-to-image translation with a conditional GAN (Isola et al. 2017):
the state, the update and translation."""

from jaxgen.pix2pix.state import init_pix2pix_state
from jaxgen.pix2pix.steps import make_pix2pix_step, translate

__all__ = ["init_pix2pix_state", "make_pix2pix_step", "translate"]
