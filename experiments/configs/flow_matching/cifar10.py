"""Flow matching on CIFAR-10 through TFDS (prepare once: ``tfds build cifar10
--data_dir=DIR``; run with ``--config.data.data_dir=DIR``).

The path, loss and sampler are Lipman et al.'s (2023, §4.1 and §6: the OT path, Dopri5 at
1e-5). Their CIFAR-10 network is a wider U-Net with multi-head attention (App. E), which
jaxgen does not build; this config keeps DDPM's U-Net, optimiser, batch, EMA, flips and
800k steps (Ho et al. App. B, as ``diffusion/cifar10.py``), so the two objectives compare on
one network. FID, IS and KID on 10,000 samples at each evaluation (papers report 50,000:
``--mode=eval --config.eval.num_samples=50000``); bits/dim on 1000 dequantized test images
by Hutchinson's estimate (Lipman et al. Table 1 report 2.99 bits/dim and FID 6.35)."""

from experiments.configs.flow_matching.defaults import flow_matching_config


def get_config():
    config = flow_matching_config()
    config.data.name = "cifar10"
    config.data.data_dir = ""
    config.data.random_flip = True  # DDPM App. B: random horizontal flips
    config.train.num_steps = 800_000  # DDPM App. B
    config.train.log_every = 1000
    config.train.eval_every = 50_000
    config.train.checkpoint_every = 10_000
    config.eval.num_samples = 10_000
    return config
