"""WGAN-GP with MLPs on ring8: the toy settings of Gulrajani et al.'s ``gan_toy.py`` (see
``toy.py``) on the GAN config's data, MLP widths and step count for ring8."""

from experiments.configs.gan.ring8 import get_config as gan_ring8
from experiments.configs.wgan_gp.toy import wgan_gp_toy_config


def get_config():
    return wgan_gp_toy_config(gan_ring8())
