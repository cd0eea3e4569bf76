"""CycleGAN style transfer between scikit-learn's two bundled photographs: 32x32 patches of
china.jpg (A, a temple under a blue sky) ↔ flower.jpg (B, a pink flower on green), each
photograph downscaled to a quarter (``jaxgen.data.unpaired``, ``photos``). Needs no download.

The objective, pools, identity loss (0.5λ, which §5.2 uses to keep a photograph's colour
composition) and optimiser are the paper's (``defaults.py``). Scaled to 32x32 patches
(jaxgen's choices): the two downsamplings of App. 7.2 (32 → 8), 3 residual blocks instead of
6 (the paper's choice for 128x128), base widths 32; a two-layer PatchGAN (each of its 6x6
outputs sees 1 + 3·(1 + 2 + 4 + 4) = 34 pixels, the whole patch, as the 70x70 PatchGAN sees
most of a 256x256 crop at its depth); random crops and flips as in the paper, the crop
drawn from the downscaled photograph instead of a 286x286 resize. Batch 4 instead of 1, and
the 100 + 100 epoch schedule shortened to 1500 + 1500 steps.
"""

from experiments.configs.cyclegan.defaults import cyclegan_config


def get_config():
    config = cyclegan_config()
    config.data.name = "photos"
    config.data.batch_size = 4
    config.data.image_size = 32
    config.data.random_crop = None
    config.data.photo_scale = 0.25
    config.model.g_features = 32
    config.model.blocks = 3
    config.model.downsamplings = 2
    config.model.d_features = 32
    config.model.d_layers = 2
    config.optim.constant_steps = 1500
    config.optim.decay_steps = 1500
    config.train.num_steps = 3000
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 64
    return config
