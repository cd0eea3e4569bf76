"""DDPM on a 2-D toy density: the paper's process and loss (T = 1000, linear β, ε-prediction,
σ_t² = β_t) with jaxgen's MLP denoiser; no x̂_0 clipping (the data are not in [−1, 1]).
Batch, steps, learning rate and EMA are jaxgen's choices for a CPU budget."""

from ml_collections import ConfigDict

from experiments.configs.diffusion.defaults import diffusion_config


def toy_diffusion_config(name: str) -> ConfigDict:
    config = diffusion_config()
    config.data.name = name
    config.data.levels = 0  # continuous data: no discretised decoder
    config.data.batch_size = 512
    config.model.clip = 0.0
    config.model.ema_decay = 0.999
    config.optim.lr = 1e-3
    config.optim.warmup_steps = 200
    config.optim.decay_steps = 10000
    config.train.num_steps = 10000
    config.train.steps_per_dispatch = 50
    config.train.log_every = 500
    config.train.eval_every = 5000
    config.train.checkpoint_every = 2500
    return config
