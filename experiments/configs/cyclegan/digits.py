"""CycleGAN on the bundled 8x8 digits: plain digits (A) ↔ inverted digits with strokes
thickened rightwards (B), the two domains from disjoint halves of the training split
(``jaxgen.data.unpaired.digit_styles``).

The objective, pools and optimiser are the paper's (``defaults.py``) except where measured
otherwise below (1000 steps each, seed 0, fraction of test translations A→B / B→A keeping
their class, judged by the digits classifier):

* Generator: no downsampling and no residual block, i.e. c7s1-32 then c7s1-1 (the paper:
  two downsamplings, 6 or 9 blocks). Its receptive field (13 pixels) still covers the
  image, but it keeps full resolution and is shallow, so the near pixel-wise restyle is its
  easiest map. With one downsampling and 3 blocks the pair of generators learns a class
  *permutation* that the cycle loss cannot tell from the identity (seed 0: cycle L1 0.15,
  classes kept 3.7% / 2.8%). With 1 block, seeds 0, 2, 3, 4 kept 96-97% but seed 1 fell
  into a permutation (6% / 10%); with no block, seeds 1, 3, 4 kept 96-98%.
* Identity loss weight 0 (the paper: 0.5λ, §5.2, used for photo↔painting). Domain B is an
  inversion, and the identity loss asks G(b) ≈ b, against the translation itself; measured
  with B = plain inversion and the global generator, the paper's weight kept 3.7% of
  classes, weight 0 kept 24%.
* Base widths 32; a one-layer PatchGAN (2x2 outputs, each with a receptive field
  4 + 3·2 + 3·2 = 16 pixels wide, the whole image); no resize/crop/flip (a flipped digit is
  another symbol).
* Batch 16 instead of 1, and the 100 + 100 epoch schedule shortened to 2000 + 2000 steps
  (about 90 epochs of the 721-digit half).
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
    config.model.blocks = 0
    config.model.downsamplings = 0
    config.model.identity_weight = 0.0
    config.model.d_features = 32
    config.model.d_layers = 1
    config.optim.constant_steps = 2000
    config.optim.decay_steps = 2000
    config.train.num_steps = 4000
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    return config
