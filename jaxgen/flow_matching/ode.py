"""Integrating a velocity field's ODE dx/dt = v(x, t) with diffrax (Kidger 2021).

Three solvers: fixed-step ``euler`` (first order, 1 evaluation of v per step) and ``heun``
(second order, 2 per step), and the adaptive ``dopri5`` (Dormand-Prince 5(4), whose step
size a PID controller keeps at the local error ``atol + rtol·|x|``; 6 evaluations per step,
accepted or rejected, plus 1 for the first-same-as-last stage). The number of function
evaluations (NFE) is counted from diffrax's step statistics by those rules.

The whole batch is one ODE state: the adaptive solver picks one step size for all its
examples (the examples do not interact, so each still follows its own trajectory), and
diffrax's error norm is the RMS over the whole batch, so the tolerance holds for the batch,
not for each example: an adaptive solve's NFE, and its result to within the tolerance,
depend on the batch it is given.
An adaptive solve that runs out of ``max_steps`` does not raise inside the compiled program;
its result says so, and :func:`check_finished` turns that into a one-line error outside.
"""

from __future__ import annotations

from collections.abc import Callable

import diffrax
import jax
import jax.numpy as jnp
from flax import struct

from jaxgen.errors import JaxgenError

SOLVERS = ("euler", "heun", "dopri5")
FIXED_STEP = ("euler", "heun")
EVALUATIONS_PER_STEP = {"euler": 1, "heun": 2, "dopri5": 6}


class ODESolver(struct.PyTreeNode, kw_only=True):
    """How to integrate: ``name`` (one of ``SOLVERS``); ``steps`` for the fixed-step solvers;
    ``rtol``, ``atol`` and the step budget ``max_steps`` for ``dopri5``."""

    name: str = struct.field(pytree_node=False, default="dopri5")
    steps: int = struct.field(pytree_node=False, default=0)
    rtol: float = struct.field(pytree_node=False, default=1e-5)
    atol: float = struct.field(pytree_node=False, default=1e-5)
    max_steps: int = struct.field(pytree_node=False, default=4096)

    def __post_init__(self):
        if self.name not in SOLVERS:
            raise JaxgenError(
                f"unknown ODE `solver` {self.name!r}; use one of {', '.join(SOLVERS)}"
            )
        if self.name in FIXED_STEP and self.steps <= 0:
            raise JaxgenError(
                f"the fixed-step solver {self.name} needs a positive number of `steps`, got "
                f"{self.steps}"
            )
        if self.name == "dopri5" and not (self.rtol > 0 and self.atol > 0 and self.max_steps > 0):
            raise JaxgenError(
                f"dopri5 needs `rtol` > 0, `atol` > 0 and `max_steps` > 0, got "
                f"{self.rtol}, {self.atol} and {self.max_steps}"
            )

    def describe(self) -> str:
        if self.name in FIXED_STEP:
            return f"{self.name} with {self.steps} steps"
        return f"dopri5 at rtol={self.rtol:g}, atol={self.atol:g}"


class Integration(struct.PyTreeNode):
    """An ODE solve's end state ``y``, its number of function evaluations ``nfe`` and
    whether it ``finished`` (False: an adaptive solve ran out of ``max_steps``; ``y`` is
    then not the solution)."""

    y: object
    nfe: jax.Array
    finished: jax.Array


def integrate(
    vector_field: Callable, y0, solver: ODESolver, *, t0: float = 0.0, t1: float = 1.0
) -> Integration:
    """Integrate dy/dt = ``vector_field(t, y)`` from ``t0`` to ``t1`` (either direction) for a
    pytree ``y0`` with ``solver``."""
    dt0 = (t1 - t0) / solver.steps if solver.name in FIXED_STEP else None
    controller = (
        diffrax.ConstantStepSize()
        if solver.name in FIXED_STEP
        else diffrax.PIDController(rtol=solver.rtol, atol=solver.atol)
    )
    method = {"euler": diffrax.Euler, "heun": diffrax.Heun, "dopri5": diffrax.Dopri5}[solver.name]
    solution = diffrax.diffeqsolve(
        diffrax.ODETerm(lambda t, y, args: vector_field(t, y)),
        method(),
        t0=t0,
        t1=t1,
        dt0=dt0,
        y0=y0,
        saveat=diffrax.SaveAt(t1=True),
        stepsize_controller=controller,
        max_steps=solver.steps if solver.name in FIXED_STEP else solver.max_steps,
        throw=False,
    )
    steps = solution.stats["num_steps"]
    nfe = EVALUATIONS_PER_STEP[solver.name] * steps + (solver.name == "dopri5")
    return Integration(
        y=jax.tree.map(lambda leaf: leaf[0], solution.ys),
        nfe=jnp.asarray(nfe, jnp.int32),
        finished=solution.result == diffrax.RESULTS.successful,
    )


def check_finished(integration: Integration, solver: ODESolver, remedy: str = "") -> None:
    """Raise a one-line error if an adaptive solve ran out of its step budget (call it on the
    concrete result, before anything is written). ``remedy`` replaces the default advice
    (loosen `rtol` and `atol`, or raise `max_steps`) where other settings made the solver."""
    if not bool(jnp.all(integration.finished)):
        raise JaxgenError(
            f"{solver.describe()} did not reach the end of the ODE within {solver.max_steps} "
            f"steps; {remedy or 'loosen `rtol` and `atol`, or raise `max_steps`'}"
        )


def flow(velocity: Callable, x0: jax.Array, solver: ODESolver) -> Integration:
    """x1 from x0 (noise) along dx/dt = v(x, t), t from 0 to 1 (the convention of
    :mod:`jaxgen.flow_matching.paths`)."""
    return integrate(lambda t, x: velocity(x, t), x0, solver)
