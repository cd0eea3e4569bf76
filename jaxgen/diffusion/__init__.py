"""Denoising diffusion (Ho et al. 2020): noise schedules, the forward process, L_simple, the
variational bound, a learned reverse variance trained by L_hybrid (Nichol & Dhariwal 2021),
ancestral and DDIM samplers, the probability-flow ODE solvers DPM-Solver++(2M) and EDM's
Heun; class-conditional denoisers with classifier-free guidance (Ho & Salimans 2022)."""

from jaxgen.diffusion.bound import variational_bound
from jaxgen.diffusion.forward import q_posterior, q_sample, q_step
from jaxgen.diffusion.guidance import (
    class_conditional,
    drop_labels,
    guided,
)
from jaxgen.diffusion.hybrid import hybrid_terms
from jaxgen.diffusion.losses import simple_loss
from jaxgen.diffusion.ode_samplers import dpm_solver_pp_2m, heun, karras_sigmas, logsnr_spaced
from jaxgen.diffusion.samplers import (
    DDPM,
    ReverseProcess,
    ancestral_step,
    ddim_step,
    interpolated_log_variance,
    run_reverse,
    sample,
)
from jaxgen.diffusion.schedules import Schedule, evenly_spaced, make_schedule, respace
from jaxgen.diffusion.state import DiffusionState, denoiser_fn, init_diffusion_state
from jaxgen.diffusion.steps import make_diffusion_step

__all__ = [
    "DDPM",
    "DiffusionState",
    "ReverseProcess",
    "Schedule",
    "ancestral_step",
    "class_conditional",
    "ddim_step",
    "denoiser_fn",
    "dpm_solver_pp_2m",
    "drop_labels",
    "guided",
    "heun",
    "evenly_spaced",
    "hybrid_terms",
    "init_diffusion_state",
    "interpolated_log_variance",
    "karras_sigmas",
    "logsnr_spaced",
    "make_diffusion_step",
    "make_schedule",
    "q_posterior",
    "q_sample",
    "q_step",
    "respace",
    "run_reverse",
    "sample",
    "simple_loss",
    "variational_bound",
]
