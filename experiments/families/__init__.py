"""Family builders: ``FAMILIES[name].build(config) -> Experiment``."""

from experiments.families import cyclegan, diffusion, flow, flow_matching, gan, pix2pix

FAMILIES = {
    "gan": gan,
    "flow": flow,
    "diffusion": diffusion,
    "flow_matching": flow_matching,
    "cyclegan": cyclegan,
    "pix2pix": pix2pix,
}
