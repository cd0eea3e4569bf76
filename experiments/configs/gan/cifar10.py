"""DCGAN on CIFAR-10 through TFDS (prepare it once: ``tfds build cifar10 --data_dir=DIR``).

Radford et al. 2016, §4: images in [-1, 1]; mini-batch 128; N(0, 0.02) weights; LeakyReLU
0.2 in D; BatchNorm in both networks except G's output and D's input layer; Adam, lr 0.0002,
β1 = 0.5; z of 100 dims. 32x32 images: three resolution doublings from the 4x4 base map.
The number of steps is jaxgen's choice. Run with ``--config.data.data_dir=DIR``.
"""

from experiments.configs.gan.defaults import gan_config


def get_config():
    config = gan_config()
    config.data.name = "cifar10"
    config.data.data_dir = ""
    config.data.batch_size = 128  # DCGAN §4
    config.model.g_features = 64  # DCGAN Fig. 1 widths, one level fewer at 32x32
    config.model.d_features = 64
    config.train.num_steps = 50000
    config.train.log_every = 200
    config.train.eval_every = 5000
    config.train.checkpoint_every = 5000
    # FID, IS and KID on 10,000 samples at each evaluation (the FID Inception; a paper's
    # final FID is on 50,000: --mode=eval --config.eval.num_samples=50000)
    config.eval.num_samples = 10_000
    return config
