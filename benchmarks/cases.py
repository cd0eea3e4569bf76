"""What ``make bench`` measures: each default model's train step, the diffusion and
flow-matching samplers, and
the scalings. A case is a config (``experiments/configs/<module>.py``) with overrides; cases
on TFDS data run on ``tfds.testing.mock_data`` (random images of the dataset's shape), which
times the same step without the download."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from experiments.configs.base import config_with_overrides


@dataclass(frozen=True)
class Case:
    name: str
    module: str
    overrides: dict = field(default_factory=dict)
    tfds: bool = False

    def config(self):
        module = f"experiments.configs.{self.module}"
        return config_with_overrides(module, self.overrides, f"bench case {self.name}")

    def data_context(self):
        if not self.tfds:
            return contextlib.nullcontext()
        import tensorflow_datasets as tfds

        return tfds.testing.mock_data(num_examples=1024)


B256 = {"data.batch_size": 256}

STEPS = [
    Case("gan_mlp_2d", "gan.ring8", B256),
    Case("wgan_gp_mlp_2d", "wgan_gp.ring8", B256),
    Case("realnvp_2d", "flow.ring8", {**B256, "model.coupling": "affine"}),
    Case("spline_flow_2d", "flow.ring8", B256),
    Case("dcgan_8x8", "gan.digits"),
    Case("dcgan_32x32", "gan.cifar10", tfds=True),
    Case("wgan_gp_dcgan_32x32", "wgan_gp.cifar10", tfds=True),
    Case("cyclegan_8x8", "cyclegan.digits"),
    Case("cyclegan_32x32", "cyclegan.photos"),
    Case("glow_8x8", "flow.digits"),
    Case("realnvp_32x32", "flow.realnvp_cifar10", tfds=True),
    Case("ddpm_unet_8x8", "diffusion.digits"),
    Case("ddpm_unet_32x32", "diffusion.cifar10", tfds=True),
    Case("flow_matching_mlp_2d", "flow_matching.ring8", B256),
    Case("flow_matching_unet_8x8", "flow_matching.digits"),
    # the bfloat16 compute option (float32 state): for GPUs and TPUs; timed here for the record
    Case("dcgan_32x32_bf16", "gan.cifar10", {"train.compute_dtype": "bfloat16"}, tfds=True),
    Case("ddpm_unet_8x8_bf16", "diffusion.digits", {"train.compute_dtype": "bfloat16"}),
]

SAMPLERS = [
    Case("ancestral_1000_8x8", "diffusion.digits", {"model.sampler": "ancestral"}),
    Case("ddim_50_8x8", "diffusion.digits", {"model.sampler": "ddim", "model.sample_steps": 50}),
]
# flow matching's fixed-step ODE samplers (diffrax): speed per network call (NFE)
ODE_SAMPLERS = [
    Case(
        "flow_matching_euler_50_2d",
        "flow_matching.ring8",
        {"model.solver": "euler", "model.sample_steps": 50},
    ),
    Case(
        "flow_matching_euler_50_8x8",
        "flow_matching.digits",
        {"model.solver": "euler", "model.sample_steps": 50},
    ),
    Case(
        "flow_matching_heun_25_8x8",
        "flow_matching.digits",
        {"model.solver": "heun", "model.sample_steps": 25},
    ),
]
SAMPLES_PER_CALL = 100
INCEPTION_BATCH = 16  # images per call of the FID Inception (299x299)

BATCH_SCALING = {
    "gan_mlp_2d": (64, 256, 1024, 4096),
    "dcgan_8x8": (16, 64, 256),
    "ddpm_unet_8x8": (32, 128, 512),
}
# the default convolutional steps but the DDPM U-Net at 32x32 (30 s a step here): those fed by
# their data pipelines (digits; TFDS mock data for CIFAR-10), and timed on both lowerings
IMAGE_STEPS = (
    "dcgan_8x8",
    "dcgan_32x32",
    "wgan_gp_dcgan_32x32",
    "cyclegan_8x8",
    "cyclegan_32x32",
    "glow_8x8",
    "realnvp_32x32",
    "ddpm_unet_8x8",
)
DEVICE_SCALING = ("gan_mlp_2d", "dcgan_8x8", "ddpm_unet_8x8")
DEVICE_COUNTS = (1, 2, 4, 8)
DISPATCH = ("gan_mlp_2d", "realnvp_2d", "dcgan_8x8", "ddpm_unet_8x8")
STEPS_PER_DISPATCH = 10


def step_case(name: str) -> Case:
    return next(c for c in STEPS if c.name == name)
