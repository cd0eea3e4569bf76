"""CycleGAN as Zhu et al. (2017) train it (§4 "Training details", App. 7.1-7.2, and the
official code's defaults in ``options/``); each task file overrides what it must and cites
why."""

from ml_collections import ConfigDict

from experiments.configs.base import base_config


def cyclegan_config() -> ConfigDict:
    config = base_config()
    config.family = "cyclegan"
    config.data.batch_size = 1  # §4: batch size 1
    config.data.data_dir = ""
    config.data.image_size = 286  # App. 7.1: resize to 286x286 ...
    config.data.random_crop = 256  # ... then a random 256x256 crop
    config.data.random_flip = True  # the code's default: horizontal flips
    config.data.photo_scale = 0.25  # the bundled photos' downscaling (jaxgen's "photos" task)
    config.model = ConfigDict(
        {
            "g_features": 64,  # App. 7.2: c7s1-64
            "blocks": 9,  # App. 7.2: 9 residual blocks for 256x256 images
            "downsamplings": 2,  # App. 7.2: d128, d256
            "d_features": 64,  # App. 7.2: C64-C128-C256-C512
            "d_layers": 3,  # 70x70 PatchGAN
            "objective": "least_squares",  # §4: least-squares loss (LSGAN)
            "cycle_weight": 10.0,  # §4: λ = 10
            "identity_weight": 5.0,  # §5.2 / the code: λ_idt = 0.5 λ
            "pool_size": 50,  # §4: a history of the 50 latest generated images
        }
    )
    config.optim = ConfigDict(
        {
            "lr": 2e-4,  # §4: Adam, learning rate 0.0002
            "b1": 0.5,  # the code: beta1 = 0.5
            "b2": 0.999,
            "constant_steps": 100 * 1334,  # §4: constant for 100 epochs (horse2zebra: 1334 / epoch)
            "decay_steps": 100 * 1334,  # §4: then linearly to 0 over the next 100 epochs
        }
    )
    config.train.num_steps = 200 * 1334
    config.train.log_every = 500
    config.train.eval_every = 20000
    config.train.checkpoint_every = 5000
    config.eval.num_samples = 100  # test images translated for the evaluation
    return config
