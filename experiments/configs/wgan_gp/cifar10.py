"""WGAN-GP with the DCGAN networks on cifar10: Algorithm 1 of Gulrajani et al. 2017 (λ = 10,
n_critic = 5, Adam(1e-4, β = (0, 0.9)), m = 64, no BatchNorm in the critic; see ``defaults.py``)
on the GAN config's data, DCGAN networks and step count for cifar10 (one step = n_critic critic
updates and one generator update). Prepare the data once: ``tfds build cifar10 --data_dir=DIR``;
run with ``--config.data.data_dir=DIR``.
"""

from experiments.configs.gan.cifar10 import get_config as gan_cifar10
from experiments.configs.gan.defaults import adopt_task
from experiments.configs.wgan_gp.defaults import wgan_gp_config


def get_config():
    return adopt_task(wgan_gp_config(), gan_cifar10())
