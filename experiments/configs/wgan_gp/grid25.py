"""WGAN-GP with MLPs on grid25: the toy settings of Gulrajani et al.'s ``gan_toy.py`` (see
``toy.py``) on the GAN config's data, MLP widths and step count for grid25, with a larger,
decaying learning rate.

``gan_toy.py`` trains 100k generator iterations at Adam 1e-4; the GAN config's 15k
iterations at 1e-4 leave a fifth of the samples on thin bridges between the modes (a
continuous generator must cross the gaps, and the Wasserstein loss charges little for thin
bridges). Measured on seed 0: constant 1e-4: 25 modes, 75.3% high quality; cosine decay from
1e-4: 25, 74.3%; cosine decay from 1e-3 (this config, both players): 25 modes, 91.5% (the
numbers over 5 seeds are in experiments/README.md).
"""

from experiments.configs.gan.grid25 import get_config as gan_grid25
from experiments.configs.wgan_gp.toy import wgan_gp_toy_config


def get_config():
    config = wgan_gp_toy_config(gan_grid25())
    config.optim.g_lr = 1e-3  # jaxgen's choice (see above); gan_toy.py: 1e-4
    config.optim.d_lr = 1e-3
    config.optim.decay_steps = config.train.num_steps  # cosine decay to 0 (jaxgen's choice)
    return config
