"""pix2pix on the bundled 8x8 digits from their edges (``jaxgen.data.paired``,
``edges2digits``): the lecture's "Edges to Photo" with data that needs no download.

The objective (cGAN + λ = 100 L1), optimiser and networks' structure are the paper's
(``defaults.py``). Scaled to 8x8 images (jaxgen's choices): the U-Net goes 8 → 1 in three
stride-2 layers (the paper's eight take 256 → 1), base widths 32; a one-layer PatchGAN
(8 → 4 → 3 → 2: each of its 2x2 outputs sees 1 + 3·(1 + 1 + 2) = 13 pixels, more than the
image, as the 70x70 PatchGAN sees most of a 256x256 image at its depth); batch 64 instead of
1 (the paper uses 4 for its large edge datasets) and no jitter, which would shift an 8x8
digit off its frame; 2000 + 1000 steps instead of 200 epochs. Its baseline is the same
generator trained on L1 alone: ``--config.model.adversarial_weight=0`` (§4.2, Table 1).
"""

from experiments.configs.pix2pix.defaults import pix2pix_config


def get_config():
    config = pix2pix_config()
    config.data.name = "edges2digits"
    config.data.batch_size = 64
    config.data.image_size = None
    config.data.random_crop = None
    config.data.random_flip = False
    config.model.g_features = 32
    config.model.d_features = 32
    config.model.d_layers = 1
    config.optim.constant_steps = 2000
    config.optim.decay_steps = 1000
    config.train.num_steps = 3000
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 355  # every held-out digit
    return config
