"""WGAN-GP with MLPs on grid25.

Gulrajani et al.'s toy experiments (their gan_toy.py) use λ = 0.1 ("smaller lambda seems to
help for toy tasks"), Adam(1e-4, β = (0.5, 0.9)), batch 256 and 5 critic iterations;
MLP widths and the step count follow the GAN config for grid25 (jaxgen's choices).
"""

from experiments.configs.gan.grid25 import get_config as gan_grid25
from experiments.configs.wgan_gp.defaults import wgan_gp_config


def get_config():
    config = wgan_gp_config()
    base = gan_grid25()
    config.data.name = base.data.name
    config.data.batch_size = 256  # gan_toy.py
    config.model.gradient_penalty = 0.1  # gan_toy.py: λ = 0.1 for toy data
    config.optim.b1 = 0.5  # gan_toy.py: β1 = 0.5
    config.model.latent_dim = base.model.latent_dim
    config.model.g_hidden = base.model.g_hidden
    config.model.d_hidden = base.model.d_hidden
    config.train = base.train
    return config
