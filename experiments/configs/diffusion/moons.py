"""DDPM on moons (see ``toy.py``)."""

from experiments.configs.diffusion.toy import toy_diffusion_config


def get_config():
    return toy_diffusion_config("moons")
