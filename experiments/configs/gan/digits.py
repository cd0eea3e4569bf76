"""DCGAN on scikit-learn's bundled 8x8 digits (1442 training images, values in [-1, 1]).

DCGAN's recipe (Radford et al. 2016, §3-4): transposed-convolution generator with BatchNorm
and ReLU, tanh output; convolutional discriminator with LeakyReLU(0.2) and BatchNorm after
the first layer; N(0, 0.02) weights; Adam lr 2e-4, β1 = 0.5; z of 100 dims. For 8x8 images
the networks start from a 2x2 map (``base_size`` 2, jaxgen's choice) so each has two layers;
base width 32 (the paper's 64x64 model uses 64-1024 channels), batch 64 and the step count
are jaxgen's choices for a CPU budget: width 128 at batch 128 runs ~1 step/s here, width 32
at batch 64 ~75 steps/s (``make bench``).
"""

from experiments.configs.gan.defaults import gan_config


def get_config():
    config = gan_config()
    config.data.name = "digits"
    config.data.batch_size = 64
    config.model.base_size = 2
    config.model.g_features = 32
    config.model.d_features = 32
    config.train.num_steps = 4000
    config.train.steps_per_dispatch = 1  # conv steps run slowly inside lax.scan on XLA:CPU
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 1000
    return config
