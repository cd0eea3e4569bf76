"""Flow matching on scikit-learn's bundled 8x8 digits, beside ``diffusion/digits.py``: the
same U-Net (three levels of 16·(1, 2, 2) channels, one block per level, attention at 4x4,
8 groups), batch, optimiser (Adam 1e-3, 500 warm-up steps, clipping at 1), EMA (0.999 with
the warm-up) and 6000 steps, so that the objectives compare (the reasons for each are in
that config). The digits have 17 grey levels: training dequantizes them over 17 bins and the
likelihood is in bits/dim of the 17-level data, as the DDPM bound's decoder uses 17 bins.
Samples: Heun with 25 steps (50 NFE, a twentieth of the DDPM's 1000); dopri5 at 1e-5 through
``--config.model.solver=dopri5``. ``experiments.continuous.flow_matching_digits`` measures
Fréchet distance against NFE for each solver."""

from experiments.configs.flow_matching.defaults import flow_matching_config


def get_config():
    config = flow_matching_config()
    config.data.name = "digits"
    config.data.levels = 17  # the digits' 17 grey levels
    config.model.channels = 16
    config.model.multipliers = (1, 2, 2)
    config.model.blocks = 1
    config.model.attention_at = (4,)
    config.model.groups = 8
    config.model.ema_decay = 0.999
    config.model.solver = "heun"
    config.model.sample_steps = 25
    config.optim.lr = 1e-3
    config.optim.warmup_steps = 500
    config.train.num_steps = 6000
    config.train.log_every = 200
    config.train.eval_every = 3000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 1000
    config.eval.likelihood_examples = 360  # as the DDPM config's bound_examples
    return config
