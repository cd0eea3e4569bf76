"""pix2pix as Isola et al. (2017) train it (§3.3, §4, App. 6.1-6.2, and the official code's
defaults in ``options/``); each task file overrides what it must and cites why."""

from ml_collections import ConfigDict

from experiments.configs.base import base_config


def pix2pix_config() -> ConfigDict:
    config = base_config()
    config.family = "pix2pix"
    config.data.batch_size = 1  # App. 6.2: batch size 1 for facades and maps
    config.data.data_dir = ""
    config.data.direction = "AtoB"  # which half of a pair is the input
    config.data.image_size = 286  # App. 6.2: random jitter, resize to 286x286 ...
    config.data.random_crop = 256  # ... then a random 256x256 crop
    config.data.random_flip = True  # App. 6.2: and mirroring
    config.data.photo_scale = 0.25  # the bundled photographs' downscaling (bw2colour)
    config.model = ConfigDict(
        {
            "g_features": 64,  # App. 6.1.1: encoder C64-C128-C256-C512-...
            "dropout_layers": 3,  # App. 6.1.1: decoder CD512-CD512-CD512-C512-...
            "dropout": 0.5,  # App. 6.1: "dropout rate of 50%"
            "d_features": 64,  # App. 6.1.2: 70x70 discriminator C64-C128-C256-C512
            "d_layers": 3,  # 70x70 PatchGAN (§4.4)
            "objective": "non_saturating",  # §3.3: cross-entropy, G maximises log D(x, G(x))
            "l1_weight": 100.0,  # §4.2: λ = 100
            "adversarial_weight": 1.0,  # 0: the "L1 alone" baseline of §4.2, Table 1
        }
    )
    config.optim = ConfigDict(
        {
            "lr": 2e-4,  # §3.3: Adam, learning rate 0.0002
            "b1": 0.5,  # §3.3: momentum parameters β1 = 0.5, β2 = 0.999
            "b2": 0.999,
            "constant_steps": 100 * 400,  # the code: 100 epochs constant (facades: 400 / epoch)
            "decay_steps": 100 * 400,  # then linearly to 0 over 100 more (App. 6.2: 200 epochs)
        }
    )
    config.train.num_steps = 200 * 400
    config.train.log_every = 500
    config.train.eval_every = 20000
    config.train.checkpoint_every = 5000
    config.eval.num_samples = 1000  # held-out pairs translated (all of a smaller test split)
    config.eval.metrics = "fid"  # of the outputs against the held-out targets
    return config
