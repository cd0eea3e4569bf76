"""Experiments on conditional models: classifier-free guidance's trade-off, conditional GANs
and flows, paired translation."""
