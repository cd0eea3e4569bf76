"""DDPM on CIFAR-10 through TFDS, as Ho et al. 2020 train it (§4, App. B and their
``diffusion_tf/scripts/run_cifar.py``): the U-Net with
ch 128, multipliers (1, 2, 2, 2), 2 residual blocks per level, attention at 16x16, dropout
0.1; Adam 2e-4 with 5000 warm-up steps, gradient clipping at 1, batch 128, EMA 0.9999,
random horizontal flips; T = 1000, linear β. The paper trains 800k steps (Table 1: FID 3.17);
this config is that schedule, far beyond a CPU. Prepare the data once
(``tfds build cifar10 --data_dir=DIR``) and run with ``--config.data.data_dir=DIR``."""

from experiments.configs.diffusion.defaults import diffusion_config


def get_config():
    config = diffusion_config()
    config.data.name = "cifar10"
    config.data.data_dir = ""
    config.data.random_flip = True  # App. B: random horizontal flips
    config.train.num_steps = 800_000  # App. B: 800k steps for CIFAR-10
    config.train.log_every = 1000
    config.train.eval_every = 50_000
    config.train.checkpoint_every = 10_000
    # FID, IS and KID on 10,000 samples at each evaluation; Table 1's FID is on 50,000
    # (§4): --mode=eval --config.eval.num_samples=50000 on the trained workdir
    config.eval.num_samples = 10_000
    return config
