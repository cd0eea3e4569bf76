"""WGAN (weight clipping) with the DCGAN networks on mnist: Algorithm 1 of Arjovsky et al. 2017
(RMSProp 5e-5, c = 0.01, n_critic = 5, m = 64; see ``defaults.py``) on the GAN config's data,
DCGAN networks and step count for mnist (one step = n_critic critic updates and one generator
update). The critic keeps DCGAN's BatchNorm, as the paper's DCGAN critic does. Prepare the data
once: ``tfds build mnist --data_dir=DIR``; run with ``--config.data.data_dir=DIR``.
"""

from experiments.configs.gan.defaults import adopt_task
from experiments.configs.gan.mnist import get_config as gan_mnist
from experiments.configs.wgan.defaults import wgan_config


def get_config():
    return adopt_task(wgan_config(), gan_mnist())
