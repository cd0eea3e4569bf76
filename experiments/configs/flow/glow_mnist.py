"""Glow on MNIST through TFDS (prepare once: ``tfds build mnist --data_dir=DIR``; run with
``--config.data.data_dir=DIR``).

Neither paper gives MNIST settings; this uses the Glow code's defaults for its ``mnist``
problem (openai/glow ``train.py``: images padded to 32x32, L = 3, K = 32, width 512, lr 1e-3,
8-bit data, 64 per batch) with affine couplings as in its CIFAR-10 command, and the 28x28
digits resized to 32x32 (jaxgen's choice). Adam instead of Adamax; the learned prior at
the top (``learntop``) but N(0, I) for the factored-out halves (the code conditions those
on the kept half).
"""

from experiments.configs.flow.defaults import flow_config


def get_config():
    config = flow_config()
    config.data.name = "mnist"
    config.data.data_dir = ""
    config.data.image_size = 32
    config.data.levels = 256
    config.data.batch_size = 64
    config.model.kind = "glow"
    config.model.levels = 3
    config.model.steps = 32
    config.model.width = 512
    config.model.learn_top = True  # the code's learntop: a learned prior at the top level
    config.model.init_batch_size = 256
    config.optim.lr = 1e-3
    config.optim.warmup_steps = 10 * 60000 // 64  # the code's 10 warm-up epochs
    config.train.num_steps = 100000
    config.train.log_every = 500
    config.train.eval_every = 10000
    config.train.checkpoint_every = 5000
    config.eval.num_samples = 10000
    return config
