"""Defaults shared by the diffusion configs: DDPM (Ho et al. 2020) as the paper trains it on
CIFAR-10 (§4, App. B); each task file overrides what it must and cites why."""

from ml_collections import ConfigDict

from experiments.configs.base import base_config


def diffusion_config() -> ConfigDict:
    config = base_config()
    config.family = "diffusion"
    config.data.levels = 256  # values per pixel, for the bound's discretised decoder (eq. 13)
    config.data.batch_size = 128  # App. B: batch 128
    config.model = ConfigDict(
        {
            "schedule": "linear",  # §4: β from 1e-4 to 0.02
            "num_timesteps": 1000,  # §4: T = 1000
            "prediction": "eps",  # §3.2: ε-prediction, L_simple (eq. 14)
            "variance": "large",  # §3.2: σ_t² = β_t ("small": β̃_t; similar results)
            "clip": 1.0,  # the code clips x̂_0 to the data range [−1, 1]; 0: no clipping
            "ema_decay": 0.9999,  # App. B: EMA decay 0.9999
            # jaxgen: decay min(ema_decay, (1 + n)/(10 + n)) (TF's num_updates rule), so that a
            # short run's average forgets the initial weights; the paper's fixed 0.9999 from
            # ~90k of its 800k steps on (False: fixed from the first step)
            "ema_warmup": True,
            # Algorithm 2; or "ddim" (Song et al. 2021), or the probability-flow ODE solvers
            # "dpm_solver_pp" (DPM-Solver++(2M), Lu et al. 2022) and "heun" (Karras et al. 2022)
            "sampler": "ancestral",
            # 0: all T steps; else evenly spaced (respaced) steps; DPM-Solver++: its
            # log-SNR-spaced steps; Heun: its noise levels (2 or more for both ODE solvers)
            "sample_steps": 0,
            "eta": 0.0,  # DDIM's η (0: deterministic)
            # class-conditional models (Ho & Salimans 2022): the classes (0: unconditional),
            # the probability of training a label as the null label (§4: 0.1 or 0.2), and the
            # guidance weight w at sample time (eq. 6; 0: the conditional model)
            "num_classes": 0,
            "p_uncond": 0.1,
            "guidance": 0.0,
            "sample_classes": "",  # the classes samples cycle through ("3,5"; "": all)
            # images: the U-Net (App. B, CIFAR-10)
            "channels": 128,
            "multipliers": (1, 2, 2, 2),
            "blocks": 2,
            "attention_at": (16,),
            "dropout": 0.1,
            "groups": 32,
            # vectors: the MLP denoiser (jaxgen's)
            "hidden": (256, 256, 256),
            "embedding": 64,
        }
    )
    config.optim = ConfigDict(
        {
            "lr": 2e-4,  # App. B: Adam, 2e-4
            "warmup_steps": 5000,  # the code (run_cifar.py): warmup=5000
            "decay_steps": 0,  # > 0: cosine decay to 0 at this step (jaxgen's option)
            "clip_norm": 1.0,  # the code (run_cifar.py): grad_clip=1
        }
    )
    config.eval.bound_examples = 0  # held-out images whose variational bound is reported
    return config
