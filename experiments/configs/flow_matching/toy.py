"""Flow matching on a 2-D toy density with the diffusion family's time-conditioned MLP (as
the DDPM toy configs use it); the likelihood by the exact trace on the evaluation's test
points. Batch, steps, learning rate and EMA are jaxgen's choices for a CPU budget, the same
as the DDPM toy configs', so the two families compare."""

from ml_collections import ConfigDict

from experiments.configs.flow_matching.defaults import flow_matching_config


def toy_flow_matching_config(name: str) -> ConfigDict:
    config = flow_matching_config()
    config.data.name = name
    config.data.levels = 0  # continuous data
    config.data.batch_size = 512
    config.model.ema_decay = 0.999
    config.optim.lr = 1e-3
    config.optim.warmup_steps = 200
    config.optim.decay_steps = 10000
    config.train.num_steps = 10000
    config.train.steps_per_dispatch = 50
    config.train.log_every = 500
    config.train.eval_every = 5000
    config.train.checkpoint_every = 2500
    config.eval.likelihood = "exact"
    return config
