"""Glow (Kingma & Dhariwal 2018, §3) on scikit-learn's bundled 8x8 digits.

The digits have 17 grey levels (0-16), so they are dequantized with ``levels = 17`` and
bits/dim counts log 17 per pixel (see ``jaxgen/flows/likelihood.py``). Three levels take the
8x8x1 image to 4x4x4, 2x2x8 and 1x1x16 (the paper's L = 3 for 32x32 images); K, the width,
the batch and the step count are jaxgen's choices for a CPU budget (the paper: K = 32, width
512). Adam with lr 1e-3 and a linear warm-up, as in the paper's code. No learned prior
(``learn_top``): the measured run in experiments/README.md has none.
"""

from experiments.configs.flow.defaults import flow_config


def get_config():
    config = flow_config()
    config.data.name = "digits"
    config.data.levels = 17  # the digits' 17 grey levels
    config.data.batch_size = 64
    config.model.kind = "glow"
    config.model.levels = 3
    config.model.steps = 4
    config.model.width = 64
    config.model.init_batch_size = 256
    config.optim.warmup_steps = 200
    config.train.num_steps = 3000
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 1000
    return config
