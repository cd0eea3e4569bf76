"""DCGAN on scikit-learn's bundled 8x8 digits (1442 training images, values in [-1, 1]).

DCGAN's recipe (Radford et al. 2016, §3-4): transposed-convolution generator with BatchNorm
and ReLU, tanh output; convolutional discriminator with LeakyReLU(0.2) and BatchNorm after
the first layer; N(0, 0.02) weights; Adam lr 2e-4, β1 = 0.5; z of 100 dims. For 8x8 images
the networks start from a 2x2 map (``base_size`` 2, jaxgen's choice) so each has two layers;
widths 128, batch 128 and the step count are jaxgen's choices.
"""

from experiments.configs.gan.defaults import gan_config


def get_config():
    config = gan_config()
    config.data.name = "digits"
    config.data.batch_size = 128  # DCGAN §4 (mini-batch 128)
    config.model.base_size = 2
    config.model.g_features = 128
    config.model.d_features = 128
    config.train.num_steps = 4000
    config.train.steps_per_dispatch = 1  # conv steps run slowly inside lax.scan on XLA:CPU
    config.train.log_every = 100
    config.train.eval_every = 1000
    config.train.checkpoint_every = 1000
    config.eval.num_samples = 1000
    return config
