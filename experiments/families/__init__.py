"""Family builders: ``FAMILIES[name].build(config) -> Experiment``."""

from experiments.families import gan

FAMILIES = {"gan": gan}
