"""CycleGAN on the bundled 8x8 digits: plain digits (A) ↔ thick, inverted digits (B), the two
domains from disjoint halves of the training split (``jaxgen.data.unpaired.digit_styles``).

The objective, pools and optimiser are the paper's (``defaults.py``). Scaled to 8x8 images
(jaxgen's choices): one downsampling instead of two (8 → 4), 3 residual blocks instead of 9,
base widths 32; a one-layer PatchGAN (2x2 outputs, each with a receptive field
4 + 3·2 + 3·2 = 16 pixels wide, the whole image); no resize/crop/flip (a flipped digit is
another symbol). Batch 16 instead of 1, and the 100 + 100 epoch schedule shortened to
2000 + 2000 steps (about 90 epochs of the 721-digit half).
"""

from experiments.configs.cyclegan.defaults import cyclegan_config


def get_config():
    config = cyclegan_config()
    config.data.name = "digit_styles"
    config.data.batch_size = 16
    config.data.image_size = 8
    config.data.random_crop = None
    config.data.random_flip = False
    config.model.g_features = 32
    config.model.blocks = 3
    config.model.downsamplings = 1
    config.model.d_features = 32
    config.model.d_layers = 1
    config.optim.constant_steps = 2000
    config.optim.decay_steps = 2000
    config.train.num_steps = 4000
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    return config
