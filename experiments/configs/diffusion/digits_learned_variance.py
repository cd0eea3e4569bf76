"""DDPM with a learned reverse variance (Nichol & Dhariwal 2021, "Improved DDPM") on the
bundled 8x8 digits.

The network, process, optimiser and run length are ``diffusion/digits``' (its docstring cites
each), so the two models compare; the differences are the paper's §3.1:
- Σ_θ(x_t, t) = exp(u log β_t + (1 − u) log β̃_t) per dimension, u = (v + 1)/2 with v the
  U-Net's second output beside ε (eq. 15; the paper's code maps v to u so);
- the objective L_hybrid = L_simple + λ L_vlb with λ = 0.001 and a stop-gradient on μ_θ in
  L_vlb (eq. 16);
- the linear schedule is kept (their §3.2's cosine schedule is a separate change; their
  Table 1 ablates the two apart).
``python -m experiments.lecture.learned_variance`` compares the two models' bound and
Fréchet distance with few sampling steps (§4, Fig. 8).
"""

from experiments.configs.diffusion.digits import get_config as digits_config


def get_config():
    config = digits_config()
    config.model.variance = "learned"  # §3.1, eq. 15
    config.model.vlb_weight = 0.001  # §3.1: λ = 0.001
    return config
