"""pix2pix aerial photograph → map (Isola et al. 2017, §4, Table 4; 1096 training pairs from
Google Maps), read from a folder of the paper's side-by-side pairs
(``datasets/download_pix2pix_dataset.sh maps``: the aerial photograph on the left (A), the
map on the right (B)): point ``--config.data.data_dir`` at ``maps/``. Every setting is the
paper's (``defaults.py``; App. 6.2: batch 1, 200 epochs, here of 1096 steps); the test split
is ``val`` in their archive: pass ``--config.data.data_dir`` at a folder whose ``test/``
holds it, or rename.
"""

from experiments.configs.pix2pix.defaults import pix2pix_config


def get_config():
    config = pix2pix_config()
    config.data.name = "paired_folder"
    config.data.direction = "AtoB"  # aerial photograph (A) → map (B)
    config.optim.constant_steps = 100 * 1096
    config.optim.decay_steps = 100 * 1096
    config.train.num_steps = 200 * 1096
    return config
