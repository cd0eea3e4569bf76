"""Flow matching on MNIST through TFDS (prepare once: ``tfds build mnist --data_dir=DIR``;
run with ``--config.data.data_dir=DIR``).

Lipman et al. report no MNIST model; this is the DDPM U-Net (Ho et al. App. B) sized for
28x28 by jaxgen: three levels (28, 14, 7) of 64·(1, 2, 2) channels, two blocks per level,
attention at 14x14 (the paper's 16x16 of 32x32: half the side),
DDPM's optimiser (Adam 2e-4, 5000 warm-up steps, clipping at 1), batch 128 and EMA 0.9999.
Samples and the likelihood with Dopri5 at 1e-5 (the defaults); FID, IS and KID on 10,000
samples; bits/dim on 1000 dequantized test digits."""

from experiments.configs.flow_matching.defaults import flow_matching_config


def get_config():
    config = flow_matching_config()
    config.data.name = "mnist"
    config.data.data_dir = ""
    config.model.channels = 64
    config.model.multipliers = (1, 2, 2)
    config.model.attention_at = (14,)
    config.train.num_steps = 200_000
    config.train.log_every = 1000
    config.train.eval_every = 20_000
    config.train.checkpoint_every = 5000
    config.eval.num_samples = 10_000
    return config
