"""A class-conditional GAN on the bundled 8x8 digits: SNGAN's projection discriminator and
conditional-BatchNorm generator (Miyato & Koyama 2018) on the DCGAN pair of
``gan/digits`` (its docstring gives the networks' sizes and why).

- Discriminator: D(x, y) = ψ(φ(x)) + ⟨V e_y, φ(x)⟩ (Miyato & Koyama 2018, eq. 3), every
  weight spectrally normalised (Miyato et al. 2018, §2.1) and, as theirs, no BatchNorm.
- Generator: BatchNorm with class-conditional γ(y), β(y) (Miyato & Koyama 2018, §4).
- The hinge loss (Miyato & Koyama 2018, §5; Lim & Ye 2017).
- Adam with DCGAN's α = 2e-4, β1 = 0.5, β2 = 0.999 and one D step per G step: Miyato et
  al. 2018's setting C (Table 1), in which spectral normalisation did well; their ImageNet
  runs use β1 = 0, β2 = 0.9 and five D steps, which costs five times the D updates here.
- Samples are drawn for requested classes, sample i for class i mod 10, and judged by the
  project's classifier (label accuracy) and Fréchet distance.
"""

from experiments.configs.gan.digits import get_config as digits_config


def get_config():
    config = digits_config()
    config.model.num_classes = 10
    config.model.g_conditioning = "batch_norm"
    config.model.d_conditioning = "projection"
    config.model.spectral_norm = True
    config.model.d_normalization = "none"
    config.model.objective = "hinge"
    return config
