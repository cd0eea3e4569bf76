"""DCGAN on MNIST through TFDS (prepare it once: ``tfds build mnist --data_dir=DIR``).

Radford et al. 2016, §4: images scaled to the tanh range [-1, 1]; mini-batch 128; weights from
N(0, 0.02); LeakyReLU slope 0.2; Adam, lr 0.0002, β1 = 0.5; z of 100 dims (§3, Fig. 1).
MNIST's 28x28 digits are resized to 32x32 so that the 4x4 base map doubles three times
(jaxgen's choice; the paper's model is 64x64). Run with ``--config.data.data_dir=DIR``.
"""

from experiments.configs.gan.defaults import gan_config


def get_config():
    config = gan_config()
    config.data.name = "mnist"
    config.data.data_dir = ""
    config.data.image_size = 32
    config.data.batch_size = 128  # DCGAN §4
    config.model.g_features = 64  # DCGAN Fig. 1 widths, one level fewer at 32x32
    config.model.d_features = 64
    config.train.num_steps = 20000
    config.train.log_every = 200
    config.train.eval_every = 2000
    config.train.checkpoint_every = 2000
    # FID, IS and KID on 10,000 samples at each evaluation (the FID Inception; a paper's
    # final FID is on 50,000: --mode=eval --config.eval.num_samples=50000)
    config.eval.num_samples = 10_000
    return config
