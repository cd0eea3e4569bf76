"""WGAN (weight clipping) with MLPs on ring8; Algorithm 1's hyperparameters (see defaults).

The MLP widths and the step count follow the GAN config for ring8 (jaxgen's choices), so the
three objectives can be compared on the same networks.
"""

from experiments.configs.gan.ring8 import get_config as gan_ring8
from experiments.configs.wgan.defaults import wgan_config


def get_config():
    config = wgan_config()
    base = gan_ring8()
    config.data.name = base.data.name
    config.model.latent_dim = base.model.latent_dim
    config.model.g_hidden = base.model.g_hidden
    config.model.d_hidden = base.model.d_hidden
    config.train = base.train
    return config
