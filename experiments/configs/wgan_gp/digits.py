"""WGAN-GP with the DCGAN networks on digits: Algorithm 1 of Gulrajani et al. 2017 (λ = 10,
n_critic = 5, Adam(1e-4, β = (0, 0.9)), m = 64, no BatchNorm in the critic; see ``defaults.py``)
on the GAN config's data, DCGAN networks and step count for digits (one step = n_critic critic
updates and one generator update).
"""

from experiments.configs.gan.defaults import adopt_task
from experiments.configs.gan.digits import get_config as gan_digits
from experiments.configs.wgan_gp.defaults import wgan_gp_config


def get_config():
    return adopt_task(wgan_gp_config(), gan_digits())
