"""Flow matching and rectified flow (Lipman et al. 2023; Liu et al. 2023): a velocity field
v_θ(x, t) trained to carry N(0, I) at t = 0 to the data at t = 1 along straight conditional
paths; sampling by integrating its ODE with diffrax (Euler, Heun, adaptive Dopri5), and exact
log-likelihoods by the instantaneous change of variables (Chen et al. 2018; FFJORD)."""

from jaxgen.flow_matching.likelihood import ode_log_prob
from jaxgen.flow_matching.losses import flow_matching_loss
from jaxgen.flow_matching.ode import (
    SOLVERS,
    Integration,
    ODESolver,
    check_finished,
    flow,
    integrate,
)
from jaxgen.flow_matching.paths import OTPath
from jaxgen.flow_matching.state import (
    TIME_SCALE,
    FlowMatchingState,
    init_flow_matching_state,
    velocity_fn,
)
from jaxgen.flow_matching.steps import make_flow_matching_step

__all__ = [
    "SOLVERS",
    "TIME_SCALE",
    "FlowMatchingState",
    "Integration",
    "ODESolver",
    "OTPath",
    "check_finished",
    "flow",
    "flow_matching_loss",
    "init_flow_matching_state",
    "integrate",
    "make_flow_matching_step",
    "ode_log_prob",
    "velocity_fn",
]
