"""Family builders: ``FAMILIES[name].build(config) -> Experiment``."""

from experiments.families import cyclegan, diffusion, flow, gan

FAMILIES = {"gan": gan, "flow": flow, "diffusion": diffusion, "cyclegan": cyclegan}
