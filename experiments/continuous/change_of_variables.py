"""The lecture's change of variables, continued into continuous time: the density a discrete
coupling flow and a continuous flow each assign to ring8.

* The coupling flow (``configs/flow/ring8.py``: spline couplings) is a composition of
  bijections, log p_X(x) = log p_Z(f(x)) + log|det Df(x)|, its log-det summed layer by layer.
* The continuous flow (``configs/flow_matching/ring8.py``) is the ODE dx/dt = v(x, t),
  trained by flow matching; its density follows from the instantaneous change of variables,
  log p_1(x) = log p_0(x(0)) − ∫_0^1 tr ∂v/∂x dt (Chen et al. 2018), integrated backwards
  from x with Dopri5 at 1e-5 and the exact trace.

Trains, or resumes, both runs in ``<out>/flow_ring8`` and ``<out>/fm_ring8``, then draws the
data's exact log-density and each model's on a 100 x 100 grid (the modes' width, 0.02, is
below a cell's, so the log scale), and the continuous flow's trajectories from N(0, I) to
the ring. The numbers: each model's test NLL minus the data's entropy (KL(data ‖ model)) on
the same 2500 test points. Writes ``change_of_variables_continuous.{png,json}``.
"""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.configs.flow.ring8 import get_config as coupling_config  # noqa: E402
from experiments.configs.flow_matching.ring8 import get_config as ode_config  # noqa: E402
from experiments.families.flow import build_flow  # noqa: E402
from experiments.lecture.common import output_folder, save_results, study_arguments  # noqa: E402
from experiments.train import build_experiment, restore_trained, train_and_evaluate  # noqa: E402
from jaxgen.core import compiler  # noqa: E402
from jaxgen.flow_matching import (  # noqa: E402
    ODESolver,
    check_finished,
    integrate,
    ode_log_prob,
    velocity_fn,
)
from jaxgen.flows.likelihood import log_prob  # noqa: E402
from jaxgen.viz import grid_over  # noqa: E402

GRID = 100
SOLVER = ODESolver(name="dopri5", rtol=1e-5, atol=1e-5)
TIMES = np.linspace(0.0, 1.0, 21)  # where the trajectories are drawn


def trained(config, workdir: Path, num_steps: int | None):
    config.train.progress, config.train.eval_every = False, 0
    if num_steps is not None:
        config.train.num_steps = num_steps
    train_and_evaluate(config, workdir)
    experiment = build_experiment(config)
    return experiment, restore_trained(config, workdir, experiment)[0]


def coupling_density(num_steps, out: Path):
    """The coupling flow's log p_X, as ``log_density(points)``."""
    config = coupling_config()
    experiment, state = trained(config, out / "flow_ring8", num_steps)
    flow = build_flow(config.model, experiment.task.input_shape)
    params = state.params if state.ema_params is None else state.ema_params
    return compiler.jit(lambda x: log_prob(flow, params, x))


def continuous_flow(num_steps, out: Path):
    """The continuous flow's log p_1 (exact trace) and its trajectories from x0."""
    experiment, state = trained(ode_config(), out / "fm_ring8", num_steps)
    velocity = velocity_fn(state.velocity)
    solve_backwards = compiler.jit(lambda x: ode_log_prob(velocity, x, SOLVER))

    def log_density(x):
        log_p, solve = solve_backwards(x)
        check_finished(solve, SOLVER)
        return log_p

    @compiler.jit
    def solve_segments(x0):
        def segment(x, times):
            solve = integrate(lambda t, y: velocity(y, t), x, SOLVER, t0=times[0], t1=times[1])
            return solve.y, solve

        pairs = jnp.stack([TIMES[:-1], TIMES[1:]], 1)
        return jax.lax.scan(segment, x0, pairs)[1]

    def trajectories(x0):
        solves = solve_segments(x0)
        check_finished(solves, SOLVER)  # every segment's flag
        return jnp.concatenate([x0[None], solves.y])

    return log_density, trajectories


def compare(out: Path, num_steps: int | None = None) -> dict:
    data = build_experiment(ode_config()).dataset
    test = data.test_set(2500)
    entropy = float(-np.mean(data.log_prob(test)))
    grid, extent, _ = grid_over(test, GRID)
    log_densities, gaps = {"data": data.log_prob(grid)}, {}
    coupling = coupling_density(num_steps, out)
    ode, trajectories = continuous_flow(num_steps, out)
    for name, log_density in (("coupling flow", coupling), ("continuous flow", ode)):
        gaps[name] = float(-np.mean(np.asarray(log_density(jnp.asarray(test))))) - entropy
        log_densities[name] = np.asarray(log_density(jnp.asarray(grid)))
    paths = np.asarray(trajectories(jax.random.normal(jax.random.key(0), (300, 2))))
    return {
        "data_entropy": entropy,
        "kl_gap": gaps,
        "pictures": {"log_densities": log_densities, "extent": extent, "paths": paths},
    }


def draw(results: dict):
    pictures = results["pictures"]
    log_densities, extent = pictures["log_densities"], pictures["extent"]
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.6))
    top = float(log_densities["data"].max())
    for ax, (name, log_density) in zip(axes, log_densities.items(), strict=False):
        shown = np.clip(log_density, top - 15, top).reshape(GRID, GRID)
        ax.imshow(shown, origin="lower", extent=extent, vmin=top - 15, vmax=top, cmap="magma")
        title = f"{name}: KL {results['kl_gap'][name]:.3f} nats" if name != "data" else "data"
        ax.set_title(f"log p, {title}")
    paths = pictures["paths"]
    axes[3].plot(paths[:, :, 0], paths[:, :, 1], lw=0.4, c="0.6")
    axes[3].scatter(*paths[0].T, s=3, label="x(0) ~ N(0, I)")
    axes[3].scatter(*paths[-1].T, s=3, label="x(1)")
    axes[3].set_xlim(extent[:2])
    axes[3].set_ylim(extent[2:])
    axes[3].set_aspect("equal")
    axes[3].legend(loc="upper right")
    axes[3].set_title("dx/dt = v(x, t): trajectories")
    return fig


def main() -> None:
    args = study_arguments(__doc__, "runs/continuous").parse_args()
    out = output_folder(args)
    results = compare(out, args.num_steps)
    numbers = {k: v for k, v in results.items() if k != "pictures"}
    save_results(draw(results), out, "change_of_variables_continuous", numbers)


if __name__ == "__main__":
    main()
