"""GAN with MLP networks on ring8 (8 Gaussians on a circle of radius 2, std 0.02).

Networks after Metz et al. 2017 (Unrolled GANs), App. A: generator MLP with two hidden ReLU
layers of 128 units; Adam with β1 = 0.5; batch 512. The discriminator width, learning rates,
latent size and the 10k-step schedule are jaxgen's choices for a CPU run of under a minute.
Measured (seeds 0-4, ``experiments.lecture.mode_collapse``): 8, 8, 7, 7, 8 of 8 modes and
90%, 51%, 89%, 45%, 86% high-quality samples; with a 16-dim latent one run captured only 4
modes.
"""

from experiments.configs.gan.defaults import gan_config


def get_config():
    config = gan_config()
    config.data.name = "ring8"
    config.data.batch_size = 512  # Metz et al. 2017, App. A
    config.model.latent_dim = 2  # a 2-D latent for 2-D data: see the docstring
    config.model.g_hidden = (128, 128)  # Metz et al. 2017, App. A
    config.model.d_hidden = (128, 128)
    config.optim.g_lr = 1e-3
    config.optim.d_lr = 1e-3
    config.train.num_steps = 10000
    config.train.steps_per_dispatch = 50
    config.train.log_every = 200
    config.train.eval_every = 2500
    config.train.checkpoint_every = 2500
    return config
