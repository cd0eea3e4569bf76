"""pix2pix labels → facades (Isola et al. 2017, §4, Fig. 13; the CMP Facades pairs of 400
training and 106 test images), read from a folder of the paper's side-by-side pairs
(``datasets/download_pix2pix_dataset.sh facades`` unpacks ``facades/{train,val,test}/*.jpg``,
the photograph on the left (A), its labels on the right (B)): point ``--config.data.data_dir``
at ``facades/``. Every setting is the paper's (``defaults.py``): labels are the input
(BtoA), batch 1, 286 → 256 jitter with mirroring, 200 epochs of 400 steps.
"""

from experiments.configs.pix2pix.defaults import pix2pix_config


def get_config():
    config = pix2pix_config()
    config.data.name = "paired_folder"
    config.data.direction = "BtoA"  # labels (B) → photograph (A)
    config.eval.num_samples = 106  # the test split
    return config
