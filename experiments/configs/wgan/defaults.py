"""WGAN with weight clipping (Arjovsky et al. 2017, Algorithm 1) on top of the GAN defaults."""

from experiments.configs.gan.defaults import gan_config


def wgan_config():
    config = gan_config()
    config.model.objective = "wasserstein"
    config.model.clip = 0.01  # Algorithm 1: c = 0.01
    config.model.k = 5  # Algorithm 1: n_critic = 5
    config.optim.name = "rmsprop"  # Algorithm 1: RMSProp (momentum-free, §3)
    config.optim.g_lr = 5e-5  # Algorithm 1: α = 0.00005
    config.optim.d_lr = 5e-5
    config.data.batch_size = 64  # Algorithm 1: m = 64
    return config
