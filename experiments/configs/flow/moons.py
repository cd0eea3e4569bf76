"""A coupling flow (RealNVP's affine couplings with MLP conditioners, Dinh et al. 2017) on
moons. Depth, widths, batch and step count are jaxgen's choices for a CPU budget; the test NLL
is reported beside the data's own entropy (their difference is KL(p_data ‖ p_model))."""

from experiments.configs.flow.defaults import flow_config


def get_config():
    config = flow_config()
    config.data.name = "moons"
    config.data.batch_size = 512
    config.train.num_steps = 5000
    config.train.steps_per_dispatch = 50
    config.train.log_every = 500
    config.train.eval_every = 2500
    config.train.checkpoint_every = 2500
    config.eval.num_samples = 5000
    return config
