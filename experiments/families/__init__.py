"""Family builders: ``FAMILIES[name].build(config) -> Experiment``."""

from experiments.families import cyclegan, diffusion, flow, gan, pix2pix

FAMILIES = {
    "gan": gan,
    "flow": flow,
    "diffusion": diffusion,
    "cyclegan": cyclegan,
    "pix2pix": pix2pix,
}
