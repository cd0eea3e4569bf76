"""GAN with MLP generator and discriminator on ring8 (8 Gaussians on a circle).

Architecture after Metz et al. 2017 (Unrolled GANs), Appendix A, "mixture of Gaussians":
generator with two hidden ReLU layers of 128 units, discriminator MLP with ReLU, Adam with
β1 = 0.5 and batch 512. Learning rates, latent size and step count are jaxgen's choices for a
short CPU run (the paper trains 25k steps); the loss is the non-saturating one (Goodfellow et
al. 2014, §3), k = 1 discriminator step per generator step (Algorithm 1: "We used k = 1").
"""

from experiments.configs.base import base_config


def get_config():
    config = base_config()
    config.family = "gan"
    config.data.name = "ring8"
    config.data.batch_size = 512  # Metz et al. 2017, App. A
    config.model = dict(
        latent_dim=256,  # Metz et al. 2017, App. A
        g_hidden=(128, 128),  # Metz et al. 2017, App. A
        d_hidden=(128, 128),
        generator_loss="non_saturating",  # Goodfellow et al. 2014, §3
        k=1,  # Goodfellow et al. 2014, Algorithm 1
    )
    config.optim = dict(g_lr=1e-3, d_lr=1e-3, b1=0.5, b2=0.999)  # β1 = 0.5: Metz et al. App. A
    config.train.num_steps = 6000
    config.train.steps_per_dispatch = 20
    config.train.log_every = 200
    config.train.eval_every = 2000
    config.train.checkpoint_every = 2000
    return config
