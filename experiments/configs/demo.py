"""``make demo``'s entries: each a config, what it shows, and the overrides that fit it into
the demo's budget (:mod:`experiments.demo` runs them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from experiments.configs.base import config_with_overrides


@dataclass(frozen=True)
class Entry:
    """One demonstration: a config, what it shows, and the overrides that fit it into the
    demo's budget (the full config's numbers are in experiments/README.md)."""

    name: str
    module: str
    description: str
    overrides: dict = field(default_factory=dict)
    seconds: float = 0.0  # its relative cost (train seconds alone): the costliest start first

    def config(self):
        return config_with_overrides(self.module, self.overrides, f"demo entry {self.name}")

    def command(self) -> str:
        flags = "".join(f" --config.{key}={value}" for key, value in self.overrides.items())
        path = self.module.replace(".", "/")
        return f"python -m experiments.main --config={path}.py --workdir=runs/{self.name}{flags}"


ENTRIES = [
    Entry(
        "gan_ring8",
        "experiments.configs.gan.ring8",
        "GAN (Goodfellow et al. 2014, Algorithm 1, non-saturating loss) on 8 Gaussians",
        {"train.num_steps": 5000},
        seconds=29.0,
    ),
    Entry(
        "wgan_gp_ring8",
        "experiments.configs.wgan_gp.ring8",
        "WGAN-GP (Gulrajani et al. 2017, the authors' toy settings) on 8 Gaussians",
        {"train.num_steps": 5000},
        seconds=90.9,
    ),
    Entry(
        "flow_ring8",
        "experiments.configs.flow.ring8",
        "A spline coupling flow (Durkan et al. 2019) on 8 Gaussians, by maximum likelihood",
        {"train.num_steps": 2000, "optim.decay_steps": 2000, "data.batch_size": 256},
        seconds=80.8,
    ),
    Entry(
        "flow_matching_ring8",
        "experiments.configs.flow_matching.ring8",
        "Flow matching (Lipman et al. 2023; rectified flow's straight paths) on 8 Gaussians: "
        "samples by Dopri5, and the density by the instantaneous change of variables",
        {
            "train.num_steps": 3000,
            "optim.decay_steps": 3000,
            "train.eval_every": 3000,
            "train.checkpoint_every": 3000,
            "eval.likelihood_tolerance": 1e-4,
        },
        seconds=60.0,
    ),
    Entry(
        "glow_digits",
        "experiments.configs.flow.digits",
        "Glow (Kingma & Dhariwal 2018) on the bundled 8x8 digits, by maximum likelihood",
        {"train.num_steps": 800, "train.eval_every": 800, "train.checkpoint_every": 800},
        seconds=79.4,
    ),
    Entry(
        "dcgan_digits",
        "experiments.configs.gan.digits",
        "DCGAN (Radford et al. 2016) on scikit-learn's bundled 8x8 digits",
        {"train.num_steps": 3000},
        seconds=55.5,
    ),
    Entry(
        "ddpm_digits",
        "experiments.configs.diffusion.digits",
        "DDPM (Ho et al. 2020, Algorithm 1) on the bundled 8x8 digits, sampled by DDIM "
        "(Song et al. 2021) on 50 of the 1000 steps",
        {
            "data.batch_size": 64,
            "train.num_steps": 1500,
            "train.eval_every": 1500,
            "train.checkpoint_every": 1500,
            "optim.warmup_steps": 200,
            "model.ema_decay": 0.995,
            "model.sampler": "ddim",
            "model.sample_steps": 50,
            "eval.bound_examples": 0,
        },
        seconds=228.4,
    ),
    Entry(
        "guided_ddpm_digits",
        "experiments.configs.diffusion.digits_guided",
        "Class-conditional DDPM with classifier-free guidance (Ho & Salimans 2022, w = 0.5) on "
        "the bundled digits: each column of the figure is one requested class; label accuracy "
        "by the project's classifier",
        {
            "data.batch_size": 64,
            "train.num_steps": 1500,
            "train.eval_every": 1500,
            "train.checkpoint_every": 1500,
            "optim.warmup_steps": 200,
            "model.ema_decay": 0.995,
            "eval.bound_examples": 0,
        },
        seconds=230.0,
    ),
    Entry(
        "pix2pix_edges2digits",
        "experiments.configs.pix2pix.edges2digits",
        "pix2pix (Isola et al. 2017, cGAN + 100·L1) from the edges of held-out digits to the "
        "digits: rows input | output | target; L1 and label accuracy beside the untrained "
        "generator's",
        {
            "train.num_steps": 1500,
            "train.eval_every": 1500,
            "train.checkpoint_every": 1500,
            "optim.constant_steps": 1000,
            "optim.decay_steps": 500,
        },
        seconds=40.0,
    ),
    Entry(
        "cyclegan_digits",
        "experiments.configs.cyclegan.digits",
        "CycleGAN (Zhu et al. 2017) between the bundled digits and the same kind of digits "
        "inverted with thickened strokes, trained on disjoint halves (no pairs); the figure "
        "shows test digits a → G(a) → F(G(a)) and b → F(b) → G(F(b))",
        {"train.num_steps": 1000, "train.eval_every": 1000, "train.checkpoint_every": 1000},
        seconds=65.1,
    ),
]
