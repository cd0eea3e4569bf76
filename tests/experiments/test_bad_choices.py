"""A bad choice in any family's config is refused while the experiment is built, in one line
that the command line says in its flags."""

import importlib

import pytest

from experiments.error_text import in_flags
from experiments.train import build_experiment
from jaxgen.errors import JaxgenError

BAD_CHOICES = {
    "gan.ring8": ("objective", "nope"),
    "flow.digits": ("kind", "nope"),
    "flow.ring8": ("coupling", "nope"),
    "diffusion.ring8": ("sampler", "nope"),
    "diffusion.moons": ("schedule", "nope"),
    "diffusion.grid25": ("variance", "nope"),
    "cyclegan.digits": ("objective", "hinge"),
    "gan.digits_conditional": ("g_conditioning", "nope"),
    "pix2pix.edges2digits": ("objective", "nope"),
}


@pytest.mark.parametrize("config_name", sorted(BAD_CHOICES))
def test_a_bad_model_choice_is_one_line_naming_its_flag(config_name):
    key, value = BAD_CHOICES[config_name]
    config = importlib.import_module(f"experiments.configs.{config_name}").get_config()
    config.model[key] = value
    with pytest.raises(JaxgenError) as caught:
        build_experiment(config)
    message = in_flags(str(caught.value), config.to_dict())
    assert "\n" not in message
    assert f"--config.model.{key}" in message and repr(value) in message
