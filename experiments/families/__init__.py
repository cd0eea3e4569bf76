"""Family builders: ``FAMILIES[name].build(config) -> Experiment``."""

from experiments.families import diffusion, flow, gan

FAMILIES = {"gan": gan, "flow": flow, "diffusion": diffusion}
