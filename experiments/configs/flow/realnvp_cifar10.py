"""RealNVP on CIFAR-10 through TFDS (prepare once: ``tfds build cifar10 --data_dir=DIR``; run
with ``--config.data.data_dir=DIR``).

Dinh et al. 2017: two scales ("downscale only once", §4.1) of three checkerboard couplings,
a squeeze and three channel couplings, then four checkerboard couplings (§3.6); s is a tanh
times a learned scale (§4.1); Adam with default settings, lr 1e-3, batch 64 (§4.1); global-norm
gradient clipping at 100 (the reference code's ``clip_gradient``). Differences, jaxgen's: the
conditioners are plain CNNs of width 64 (the paper: ResNets of 8 blocks with 64 maps, batch
and weight normalisation), ActNorm replaces the batch normalisation of the coupling outputs,
and there is no L2 penalty. The dequantized data pass the logit transform with α = 0.05
first (§4.1), its Jacobian counted in bits/dim.
The paper reports 3.49 bits/dim (Table 1).
"""

from experiments.configs.flow.defaults import flow_config


def get_config():
    config = flow_config()
    config.data.name = "cifar10"
    config.data.data_dir = ""
    config.data.levels = 256
    config.data.batch_size = 64  # §4.1
    config.model.kind = "realnvp"
    config.model.levels = 2  # scales
    config.model.width = 64
    config.model.depth = 4
    config.model.logit_alpha = 0.05  # §4.1: logit(α + (1 − 2α)x), α = 0.05
    config.optim.lr = 1e-3  # §4.1: Adam, default settings
    config.optim.clip_norm = 100.0  # reference code: clip_gradient=100
    config.train.num_steps = 200000
    config.train.log_every = 500
    config.train.eval_every = 10000
    config.train.checkpoint_every = 5000
    config.eval.num_samples = 10000
    return config
