"""WGAN-GP (Gulrajani et al. 2017, Algorithm 1) on top of the GAN defaults."""

from experiments.configs.gan.defaults import gan_config


def wgan_gp_config():
    config = gan_config()
    config.model.objective = "wasserstein"
    config.model.gradient_penalty = 10.0  # Algorithm 1: λ = 10
    config.model.k = 5  # Algorithm 1: n_critic = 5
    config.optim.name = "adam"
    config.optim.g_lr = 1e-4  # Algorithm 1: α = 0.0001
    config.optim.d_lr = 1e-4
    config.optim.b1 = 0.0  # Algorithm 1: β1 = 0
    config.optim.b2 = 0.9  # Algorithm 1: β2 = 0.9
    config.data.batch_size = 64  # Algorithm 1: m = 64
    config.model.d_normalization = "none"  # §4: no BatchNorm in the critic (LayerNorm allowed)
    return config
