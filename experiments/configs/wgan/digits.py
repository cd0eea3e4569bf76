"""WGAN (weight clipping) with the DCGAN networks on digits: Algorithm 1 of Arjovsky et al. 2017
(RMSProp 5e-5, c = 0.01, n_critic = 5, m = 64; see ``defaults.py``) on the GAN config's data,
DCGAN networks and step count for digits (one step = n_critic critic updates and one generator
update). The critic keeps DCGAN's BatchNorm, as the paper's DCGAN critic does.
"""

from experiments.configs.gan.defaults import adopt_task
from experiments.configs.gan.digits import get_config as gan_digits
from experiments.configs.wgan.defaults import wgan_config


def get_config():
    return adopt_task(wgan_config(), gan_digits())
