"""Family builders: ``family(name).build(config) -> Experiment``. A family's module is
imported when a config names it, so a command pays for its own family's imports alone
(diffrax's, say, only for flow matching)."""

import importlib
from types import ModuleType

FAMILIES = ("gan", "flow", "diffusion", "cyclegan", "pix2pix", "flow_matching")


def family(name: str) -> ModuleType:
    """The builder module of family ``name`` (one of ``FAMILIES``)."""
    return importlib.import_module(f"experiments.families.{name}")
