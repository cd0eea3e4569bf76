"""pix2pix colourising greyscale patches of scikit-learn's two bundled photographs
(``jaxgen.data.paired``, ``bw2colour``): the lecture's "BW to Color" with data that needs no
download. Held-out patches come from the right quarter of each photograph, which training
never sees.

The objective, optimiser and networks' structure are the paper's (``defaults.py``). Scaled
to 32x32 patches (jaxgen's choices): the U-Net goes 32 → 1 in five layers, base widths 32;
a two-layer PatchGAN (as ``cyclegan/photos``); batch 4 with mirroring only, as the paper's
BW → colour runs (App. 6.2); 2000 + 1000 steps. The Fréchet distance needs the FID
Inception's weights (``--config.eval.metrics=fid`` with ``eval.inception_weights``); without
them the evaluation reports L1 alone.
"""

from experiments.configs.pix2pix.defaults import pix2pix_config


def get_config():
    config = pix2pix_config()
    config.data.name = "bw2colour"
    config.data.batch_size = 4
    config.data.image_size = 32
    config.data.random_crop = None
    config.model.g_features = 32
    config.model.d_features = 32
    config.model.d_layers = 2
    config.optim.constant_steps = 2000
    config.optim.decay_steps = 1000
    config.train.num_steps = 3000
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 128  # every held-out patch
    config.eval.metrics = ""
    return config
