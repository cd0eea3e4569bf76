"""Family builders: ``FAMILIES[name].build(config) -> Experiment``."""

from experiments.families import flow, gan

FAMILIES = {"gan": gan, "flow": flow}
