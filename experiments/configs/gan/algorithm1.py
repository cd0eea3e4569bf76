"""Goodfellow et al. 2014, Algorithm 1 as written: the minimax game with momentum SGD, on the
1-D mixture ½N(−2, 0.5²) + ½N(2, 0.5²) (``bimodal1d``).

For each training iteration: k times, D ascends ∇ (1/m) Σ [log D(x_i) + log(1 − D(G(z_i)))]
on a fresh minibatch of m examples and m noise samples; then G descends
∇ (1/m) Σ log(1 − D(G(z_i))) on a fresh noise minibatch. Every update is heavy-ball momentum
SGD, ``optax.sgd(η, momentum=μ)``: v ← μv + g, θ ← θ − ηv (D's g is −∇V).
``tests/gan/test_algorithm1.py`` checks these updates against a computation by hand.

Where each setting comes from:

* the minimax generator loss and k = 1: Algorithm 1 and its caption ("We used k = 1, the
  least expensive option"); §3's non-saturating loss, the paper's advice for practice, is
  left out on purpose (``gan/ring8`` uses it);
* momentum SGD: Algorithm 1's caption ("We used momentum in our experiments");
* m, η and μ: the paper states none. The released code (github.com/goodfeli/adversarial,
  ``mnist.yaml``) uses batch 100, learning rate 0.1 divided by 1.000004 every update down to
  1e-6, and momentum 0.5 rising linearly to 0.7 over its first 250 epochs. jaxgen's optimizer
  keys hold one constant momentum and only a cosine learning-rate decay, so neither schedule
  can be expressed: this config keeps batch 100 and the starting momentum 0.5 with a constant
  learning rate. That rate is jaxgen's choice, 0.01: 0.1 made D's scores non-finite within
  10 iterations here;
* the networks, two hidden ReLU layers of 128 (the paper's maxout discriminator with dropout
  is not in jaxgen's MLP), z ~ N(0, 1) for 1-D data, and the 10k-iteration schedule are
  jaxgen's choices for a CPU run of under a minute.

Measured (seed 0, ``python -m experiments.main --config=experiments/configs/gan/algorithm1.py``):
2 of 2 modes and 99.1% of samples within 3 std of a mode, but each mode too narrow: the
samples' mean NLL under the data is 1.08 nats, below the data's own 1.42. D ends scoring
0.50 on real and fake alike (D's loss 1.384 against log 4 = 1.386), although p_G ≠ p_data.
On ``ring8`` (std 0.02, with a 2-D latent) the same algorithm does not settle: η = 0.02 or
0.03 collapses onto 1 of 8 modes, η = 0.01 wanders between 2 and 7 and ends on 3, η = 0.003
covers 7 with under 4% of its samples near a mode, and η = 0.1 saturates (D(G(z)) = 0, so
G's gradient vanishes).
"""

from experiments.configs.gan.defaults import gan_config


def get_config():
    config = gan_config()
    config.data.name = "bimodal1d"
    config.data.batch_size = 100  # goodfeli/adversarial mnist.yaml: batch_size 100
    config.model.latent_dim = 1  # z ~ N(0, 1) for 1-D data (jaxgen's choice)
    config.model.g_hidden = (128, 128)
    config.model.d_hidden = (128, 128)
    config.model.objective = "minimax"  # Algorithm 1: G descends log(1 − D(G(z)))
    config.model.k = 1  # Algorithm 1: "We used k = 1"
    config.optim.name = "sgd_momentum"  # Algorithm 1: "We used momentum in our experiments"
    config.optim.momentum = 0.5  # mnist.yaml: init_momentum .5 (its rise to .7: see above)
    config.optim.g_lr = 0.01  # jaxgen's: mnist.yaml's .1 diverges here (see above)
    config.optim.d_lr = 0.01
    config.train.num_steps = 10000
    config.train.steps_per_dispatch = 50
    config.train.log_every = 200
    config.train.eval_every = 2500
    config.train.checkpoint_every = 2500
    return config
