"""Glow on CIFAR-10 through TFDS (prepare once: ``tfds build cifar10 --data_dir=DIR``; run with
``--config.data.data_dir=DIR``).

From the authors' code (openai/glow, README's CIFAR-10 command and ``train.py`` defaults):
L = 3 levels (``--n_levels``), K = 32 steps (``--depth``), coupling width 512 (``--width``),
affine coupling with scale sigmoid(h + 2) (``--flow_coupling 1``), invertible 1x1
convolutions (``--flow_permutation 2``), 8-bit data, lr 1e-3 warmed up linearly over 10 epochs
(``--epochs_warmup``), 256 examples for the data-dependent init (``--n_batch_init``), 64 per
GPU on 8 GPUs. Differences, jaxgen's: Adam instead of the code's Adamax with Polyak averaging,
a batch of 64 in all, and N(0, I) priors for the factored-out halves (the code conditions
them on the kept half); the top level has the code's learned prior (``learntop``).
The paper reports 3.35 bits/dim.
"""

from experiments.configs.flow.defaults import flow_config

TRAIN_EXAMPLES = 50000


def get_config():
    config = flow_config()
    config.data.name = "cifar10"
    config.data.data_dir = ""
    config.data.levels = 256  # 8-bit images
    config.data.batch_size = 64
    config.model.kind = "glow"
    config.model.levels = 3
    config.model.steps = 32
    config.model.width = 512
    config.model.learn_top = True  # the code's learntop: a learned prior at the top level
    config.model.init_batch_size = 256
    config.optim.lr = 1e-3
    config.optim.warmup_steps = 10 * TRAIN_EXAMPLES // 64  # 10 epochs
    config.train.num_steps = 200000
    config.train.log_every = 500
    config.train.eval_every = 10000
    config.train.checkpoint_every = 5000
    config.eval.num_samples = 10000
    return config
