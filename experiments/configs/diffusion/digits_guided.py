"""Class-conditional DDPM with classifier-free guidance (Ho & Salimans 2022) on the bundled
8x8 digits.

The network, process, optimiser and run length are ``diffusion/digits``' (its docstring cites
each), so the two models compare; the differences are the paper's:
- the U-Net adds a learned label embedding to its time embedding (§4);
- each training label is replaced by the null label with probability p_uncond = 0.1 (§4.1:
  0.1 and 0.2 did best of {0.1, 0.2, 0.5});
- samples are drawn for requested classes (sample i for class i mod 10) with guidance weight
  w (eq. 6), chosen at sample time (``--config.model.guidance``). The paper sweeps w from 0
  to 4 (Table 1); ``python -m experiments.conditioning.guidance_sweep`` sweeps it here.
Evaluation samples with DDIM on 50 steps (η = 0), as the sweep does, so that each w costs
1000 samples in seconds rather than minutes.
"""

from experiments.configs.diffusion.digits import get_config as digits_config


def get_config():
    config = digits_config()
    config.model.num_classes = 10
    config.model.p_uncond = 0.1  # §4.1
    # eq. 6's w: the swept w with the lowest Fréchet distance at label accuracy >= 0.97
    # (experiments/README.md, "Conditioning")
    config.model.guidance = 0.5
    config.model.sampler = "ddim"
    config.model.sample_steps = 50
    return config
