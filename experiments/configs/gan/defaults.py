"""Defaults shared by the GAN configs; each task file overrides them and cites its source."""

from ml_collections import ConfigDict

from experiments.configs.base import base_config


def gan_config() -> ConfigDict:
    config = base_config()
    config.family = "gan"
    config.model = ConfigDict(
        {
            "latent_dim": 100,  # DCGAN, Radford et al. 2016, §4
            "g_hidden": (128, 128),  # MLP networks for 1-D/2-D data
            "d_hidden": (128, 128),
            "g_features": 64,  # DCGAN widths for images (§3, Fig. 1)
            "d_features": 64,
            "base_size": 4,  # DCGAN projects z to a 4x4 map (Fig. 1)
            "d_normalization": "batch",  # DCGAN §3: BatchNorm in the discriminator
            "objective": "non_saturating",  # Goodfellow et al. 2014, §3
            "k": 1,  # Goodfellow et al. 2014, Algorithm 1: "We used k = 1"
            "ema_decay": 0.0,  # no EMA of G unless a config asks for it
            "ema_warmup": True,  # decay min(ema_decay, (1 + n)/(10 + n)) (jaxgen.core.with_ema)
            "gradient_penalty": 0.0,  # WGAN-GP's λ; 0 = none
            "clip": 0.0,  # WGAN's weight clipping c; 0 = none
            "original_wgan_schedule": False,  # 100 critic steps early and every 500th
            "r1": 0.0,  # R1's γ (Mescheder et al. 2018, eq. 9: γ/2 E‖∇D(x)‖²); 0 = none
            "spectral_norm": False,  # spectrally normalised D (Miyato et al. 2018)
            # class-conditional pairs: the classes (0: unconditional), how G takes y
            # ("batch_norm": conditional BatchNorm, SNGAN/BigGAN; "concat": Mirza & Osindero),
            # how D takes it ("projection": Miyato & Koyama 2018; "concat"), and the classes
            # samples cycle through at sample time ("3,5"; "": all)
            "num_classes": 0,
            "g_conditioning": "batch_norm",
            "d_conditioning": "projection",
            "sample_classes": "",
        }
    )
    config.optim = ConfigDict(
        {
            "name": "adam",
            "g_lr": 2e-4,  # DCGAN §4: Adam, lr 0.0002
            "d_lr": 2e-4,
            "b1": 0.5,  # DCGAN §4: β1 = 0.5
            "b2": 0.999,
            "momentum": 0.9,  # used by sgd_momentum only
            "decay_steps": 0,  # > 0: cosine decay of the learning rates to 0 over these steps
        }
    )
    return config


TASK_MODEL_KEYS = ("latent_dim", "g_hidden", "d_hidden", "g_features", "d_features", "base_size")


def adopt_task(config: ConfigDict, task: ConfigDict) -> ConfigDict:
    """``config`` on ``task``'s data, networks, schedule and evaluation.

    The WGAN configs take the GAN configs' tasks this way, so that the three objectives are
    compared on the same data and networks; ``config`` keeps its objective, optimiser, critic
    normalization and batch size (WGAN and WGAN-GP, Algorithm 1: m = 64).
    """
    batch_size = config.data.batch_size
    config.data = ConfigDict(task.data.to_dict())
    config.data.batch_size = batch_size
    for key in TASK_MODEL_KEYS:
        config.model[key] = task.model[key]
    config.train = ConfigDict(task.train.to_dict())
    config.eval = ConfigDict(task.eval.to_dict())
    return config
