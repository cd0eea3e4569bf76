"""Defaults shared by the flow-matching configs: the conditional OT path with σ_min = 0
(rectified flow's straight lines, Liu et al. 2023 eq. 1; Lipman et al. 2023 §4.1 with their
σ_min → 0), sampled and evaluated with Dopri5 at atol = rtol = 1e-5 (as Lipman et al.
§6 sample). The networks and optimiser are DDPM's (Ho et al. 2020, App. B);
each task file overrides what it must and cites why."""

from ml_collections import ConfigDict

from experiments.configs.base import base_config


def flow_matching_config() -> ConfigDict:
    config = base_config()
    config.family = "flow_matching"
    config.data.levels = 256  # values per pixel: images train dequantized (0: continuous data)
    config.data.batch_size = 128  # DDPM App. B
    config.model = ConfigDict(
        {
            "sigma_min": 0.0,  # the OT path's width at the data (0: rectified flow)
            # sampling: "dopri5" (adaptive, at rtol/atol, within max_steps), or the fixed-step
            # "euler" and "heun" on sample_steps steps (NFE = steps and 2·steps)
            "solver": "dopri5",
            "sample_steps": 0,
            "rtol": 1e-5,
            "atol": 1e-5,
            "max_steps": 4096,
            "ema_decay": 0.9999,  # DDPM App. B
            "ema_warmup": True,  # the warm-up min(ema_decay, (1 + n)/(10 + n)) (jaxgen's)
            # images: the DDPM U-Net (App. B, CIFAR-10)
            "channels": 128,
            "multipliers": (1, 2, 2, 2),
            "blocks": 2,
            "attention_at": (16,),
            "dropout": 0.1,
            "groups": 32,
            # vectors: the time-conditioned MLP (jaxgen's)
            "hidden": (256, 256, 256),
            "embedding": 64,
        }
    )
    config.optim = ConfigDict(
        {
            "lr": 2e-4,  # DDPM App. B: Adam, 2e-4
            "warmup_steps": 5000,  # DDPM's run_cifar.py: warmup=5000
            "decay_steps": 0,  # > 0: cosine decay to 0 at this step (jaxgen's option)
            "clip_norm": 1.0,  # DDPM's run_cifar.py: grad_clip=1
        }
    )
    # the test NLL by the instantaneous change of variables (Chen et al. 2018; FFJORD):
    # "exact" trace or "hutchinson" (FFJORD §3.1; "rademacher" or "gaussian" probes; "" for
    # none), on likelihood_examples held-out images (toy data: eval.num_samples points), with
    # Dopri5 at likelihood_tolerance (FFJORD §4: 1e-5) within likelihood_max_steps
    config.eval.likelihood = "hutchinson"
    config.eval.probe = "rademacher"
    config.eval.likelihood_examples = 1000
    config.eval.likelihood_tolerance = 1e-5
    config.eval.likelihood_max_steps = 4096
    return config
