"""CycleGAN horse ↔ zebra (Zhu et al. 2017, Fig. 1, §5.2) through TFDS: prepare it once with
``tfds build cycle_gan/horse2zebra --data_dir=DIR`` and run with ``--config.data.data_dir=DIR``.

Every setting is the paper's (see ``defaults.py``): batch 1, 286 → random 256 crop and flip,
the 9-block ResNet generator, the 70x70 PatchGAN, LSGAN loss, λ = 10, identity 0.5 λ, pools of
50, Adam 2e-4 for 100 epochs then linear decay over 100. An epoch is the larger domain
(trainB, 1334 zebras) as in the code. Not trained here: at 256x256 one CPU step takes
seconds; the paper's 266,800 steps are a GPU job.
"""

from experiments.configs.cyclegan.defaults import cyclegan_config


def get_config():
    config = cyclegan_config()
    config.data.name = "cycle_gan/horse2zebra"
    return config
