"""Exact log-likelihoods of an ODE model by the instantaneous change of variables (Chen et
al. 2018, Theorem 1; FFJORD, Grathwohl et al. 2019, §2-3):

    d log p(x(t))/dt = −tr(∂v/∂x (x(t), t)),   so
    log p_1(x) = log N(x(0); 0, I) − ∫_0^1 tr(∂v/∂x (x(t), t)) dt,

with x(t) the ODE's trajectory through x(1) = x. The augmented state (x, ∫ tr) is integrated
backwards from t = 1 (the data) to t = 0 (the noise) by :func:`~jaxgen.flow_matching.ode.integrate`.

The trace is ``exact`` (the sum of the D diagonal entries, one Jacobian-vector product per
dimension: for low dimensions) or Hutchinson's estimate ``tr A = E[εᵀAε]`` with one probe ε
per example, Rademacher or Gaussian, drawn once from a key and held for the whole
trajectory (FFJORD §3.1): one Jacobian-vector product per evaluation, unbiased in
log p, for images.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import jax
import jax.numpy as jnp

from jaxgen.errors import JaxgenError
from jaxgen.flow_matching.ode import Integration, ODESolver, integrate
from jaxgen.flows.bijector import sum_per_example
from jaxgen.flows.likelihood import standard_normal_log_prob

TRACES = ("exact", "hutchinson")
PROBES = ("rademacher", "gaussian")


def exact_divergence(velocity: Callable, x: jax.Array, t) -> tuple[jax.Array, jax.Array]:
    """(v(x, t), tr ∂v/∂x per example): one JVP per dimension with the basis vector e_d of
    every example at once (the examples do not interact, so the Jacobian is block-diagonal)."""
    dim = math.prod(x.shape[1:])
    basis = jnp.eye(dim, dtype=x.dtype).reshape(dim, 1, *x.shape[1:])

    def column(e):
        return jax.jvp(lambda y: velocity(y, t), (x,), (jnp.broadcast_to(e, x.shape),))

    v, jacobian_columns = jax.vmap(column)(basis)
    diagonal = jnp.sum(jacobian_columns * basis, axis=tuple(range(2, x.ndim + 1)))
    return v[0], jnp.sum(diagonal, axis=0)


def hutchinson_divergence(velocity: Callable, x: jax.Array, t, probe: jax.Array):
    """(v(x, t), εᵀ(∂v/∂x)ε per example) for the probes ε (x's shape)."""
    v, jvp = jax.jvp(lambda y: velocity(y, t), (x,), (probe,))
    return v, sum_per_example(probe * jvp)


def draw_probes(key: jax.Array, shape, probe: str, dtype=jnp.float32) -> jax.Array:
    """Hutchinson's probes: Rademacher (±1) or standard Gaussian, E[εεᵀ] = I."""
    check_trace("hutchinson", probe)
    if probe == "rademacher":
        return jax.random.rademacher(key, shape, dtype)
    return jax.random.normal(key, shape, dtype)


def check_trace(trace: str, probe: str = "rademacher") -> None:
    """Refuse an unknown trace or probe, naming the choices."""
    if trace not in TRACES:
        raise JaxgenError(f"unknown trace {trace!r}; use one of {', '.join(TRACES)}")
    if probe not in PROBES:
        raise JaxgenError(f"unknown Hutchinson probe {probe!r}; use one of {', '.join(PROBES)}")


def ode_log_prob(
    velocity: Callable,
    x: jax.Array,
    solver: ODESolver,
    *,
    trace: str = "exact",
    key: jax.Array | None = None,
    probe: str = "rademacher",
) -> tuple[jax.Array, Integration]:
    """log p_1(x) per example in nats under the flow of ``velocity(x, t)`` from N(0, I) at
    t = 0, and the backward solve (its ``nfe`` and whether it ``finished``).

    Args:
      velocity: v(x, t) for a batch x and times t (a scalar).
      x: the points, shape (B, ...).
      solver: how to integrate (:class:`~jaxgen.flow_matching.ode.ODESolver`).
      trace: ``"exact"`` or ``"hutchinson"``.
      key: the probes' key (Hutchinson only).
      probe: ``"rademacher"`` or ``"gaussian"`` (Hutchinson only).
    """
    check_trace(trace, probe)
    if trace == "hutchinson":
        if key is None:
            raise JaxgenError("Hutchinson's trace estimate needs a `key` for its probes")
        probes = draw_probes(key, x.shape, probe, x.dtype)

        def divergence(y, t):
            return hutchinson_divergence(velocity, y, t, probes)
    else:

        def divergence(y, t):
            return exact_divergence(velocity, y, t)

    y0 = (x, jnp.zeros(x.shape[:1], jnp.float32))
    solve = integrate(lambda t, state: divergence(state[0], t), y0, solver, t0=1.0, t1=0.0)
    z, integral = solve.y  # integral = ∫_1^0 tr dt = −∫_0^1 tr dt
    return standard_normal_log_prob(z) + integral, solve
