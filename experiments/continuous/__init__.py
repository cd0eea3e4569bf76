"""Experiments in continuous time: probability-flow ODE samplers of trained diffusion
models."""
