"""Class-conditional Glow on the bundled 8x8 digits: ``flow/digits`` (its docstring gives the
network, optimiser and run and why) with Glow's learned class-conditional prior on the top
level (Kingma & Dhariwal 2018, §5; the code's ``ycond``): the 1x1x16 top latent is
N(μ_y, σ_y²) with μ_y, log σ_y learned per class and zero at init; the factored-out levels
stay N(0, I). It reports conditional bits/dim, −log p(x | y) of the test digits under their
labels, and the classifier's label accuracy on samples drawn for requested classes.
"""

from experiments.configs.flow.digits import get_config as digits_config


def get_config():
    config = digits_config()
    config.model.num_classes = 10
    return config
