"""WGAN (weight clipping) with MLPs on grid25; Algorithm 1's hyperparameters (see defaults).

Data, MLP widths (PacGAN's) and the step count are the GAN config's for grid25, so the three
objectives are compared on the same networks.
"""

from experiments.configs.gan.defaults import adopt_task
from experiments.configs.gan.grid25 import get_config as gan_grid25
from experiments.configs.wgan.defaults import wgan_config


def get_config():
    return adopt_task(wgan_config(), gan_grid25())
