"""WGAN (weight clipping) with MLPs on ring8; Algorithm 1's hyperparameters (see defaults).

Data, MLP widths and the step count are the GAN config's for ring8 (jaxgen's choices), so the
three objectives are compared on the same networks.
"""

from experiments.configs.gan.defaults import adopt_task
from experiments.configs.gan.ring8 import get_config as gan_ring8
from experiments.configs.wgan.defaults import wgan_config


def get_config():
    return adopt_task(wgan_config(), gan_ring8())
