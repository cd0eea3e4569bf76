"""WGAN-GP's toy-data settings (Gulrajani et al. 2017, their released ``gan_toy.py``).

λ = 0.1 ("smaller lambda seems to help for toy tasks"), Adam(1e-4, β = (0.5, 0.9)),
batch 256 and 5 critic iterations, on a GAN config's data, MLPs and schedule.
"""

from ml_collections import ConfigDict

from experiments.configs.gan.defaults import adopt_task
from experiments.configs.wgan_gp.defaults import wgan_gp_config


def wgan_gp_toy_config(task: ConfigDict) -> ConfigDict:
    config = adopt_task(wgan_gp_config(), task)
    config.data.batch_size = 256  # gan_toy.py
    config.model.gradient_penalty = 0.1  # gan_toy.py: λ = 0.1 for toy data
    config.optim.b1 = 0.5  # gan_toy.py: β1 = 0.5
    return config
