"""Why GANs are hard to train, problem 1: gradient play need not reach the Nash equilibrium.

min_x max_y xy with η = 0.1 (the lecture's example): simultaneous gradient steps spiral out,
the radius growing by exactly sqrt(1 + η²) per step; alternating steps stay on a bounded
orbit. Writes ``nash_equilibrium.png`` and ``nash_equilibrium.json``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from experiments.lecture.common import output_dir, write_json  # noqa: E402
from jaxgen.gan.theory import bilinear_game  # noqa: E402

ETA, STEPS = 0.1, 100


def main() -> None:
    out = output_dir("nash_equilibrium", __doc__)
    simultaneous = bilinear_game(1.0, 1.0, ETA, STEPS, simultaneous=True)
    alternating = bilinear_game(1.0, 1.0, ETA, STEPS, simultaneous=False)
    radius = np.linalg.norm(simultaneous, axis=1)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(*simultaneous.T, label="simultaneous updates")
    ax.plot(*alternating.T, label="alternating updates")
    ax.scatter([0], [0], c="k", marker="*", s=80, label="Nash equilibrium (0, 0)")
    ax.set_xlabel("x (minimises xy)")
    ax.set_ylabel("y (maximises xy)")
    ax.set_aspect("equal")
    ax.legend()
    ax.set_title(f"min_x max_y xy, η = {ETA}, {STEPS} steps")
    fig.tight_layout()
    fig.savefig(out / "nash_equilibrium.png", dpi=100)
    write_json(
        out / "nash_equilibrium.json",
        {
            "eta": ETA,
            "steps": STEPS,
            "radius_ratio_per_step_measured": float(np.mean(radius[1:] / radius[:-1])),
            "radius_ratio_per_step_exact": float(np.sqrt(1 + ETA**2)),
            "simultaneous_final_radius": float(radius[-1]),
            "alternating_max_radius": float(np.linalg.norm(alternating, axis=1).max()),
            "start_radius": float(radius[0]),
        },
    )


if __name__ == "__main__":
    main()
