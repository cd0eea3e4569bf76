"""WGAN's "meaningful loss" (Arjovsky et al. 2017, §4.2, Fig. 3): the critic's estimate of W
tracks the true distance as the generator trains.

Three runs of 3000 generator iterations with 5 critic updates each, two-hidden-layer MLPs:

* ``wgan`` on ``bimodal1d``: weight clipping c = 0.01, RMSProp 5e-5, batch 64 (WGAN,
  Algorithm 1). The clipped critic is K-Lipschitz for an unknown K, so its estimate is K·W:
  compare shapes (the correlation), not values.
* ``wgan_gp`` on ``bimodal1d`` and on ``ring8``: λ = 10, Adam(β = (0, 0.9)) (WGAN-GP, Alg. 1),
  batch 256, the critic's learning rate 1e-3 against the generator's 1e-4 so that the critic
  stays near its optimum and its estimate is W itself, not a multiple.

Before the generator moves, the critic trains alone for 500 updates (the reference WGAN code
likewise starts with 100 critic iterations per generator iteration), so the curve starts at
the estimate of a trained critic. At each snapshot: the critic's estimate
mean f(x) − mean f(G(z)) averaged over the last 100 iterations, and the ground truth
between 5000 generator and 5000 data samples: the exact W1 in 1-D, the sliced W1 in 2-D
(a lower bound on W1, so the estimate may lie above it). In 2-D also the exact W1, the
lecture's earth mover's distance, between the first 1000 of each by optimal assignment
(``exact_w1``; O(n³) in the points), with its sampling floor
``exact_w1_floor``, the exact W1 between two independent sets of 1000 data samples: what a
perfect generator would score.
Writes ``wasserstein_estimate.png`` and ``.json`` with the correlation of each pair of curves.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import matplotlib
import numpy as np
import optax

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.lecture.common import output_dir, write_json  # noqa: E402
from jaxgen.core import (
    compiler,  # noqa: E402
    scan_steps,  # noqa: E402
)
from jaxgen.data import get_dataset  # noqa: E402
from jaxgen.gan import generate, init_gan_state, make_gan_step  # noqa: E402
from jaxgen.gan.steps import latent, make_d_step  # noqa: E402
from jaxgen.metrics.wasserstein import (  # noqa: E402
    earth_movers_distance,
    sliced_wasserstein,
    wasserstein_1d,
)
from jaxgen.nn.mlp import MLP  # noqa: E402

CHUNK, N_CRITIC, N, WARM_UP = 100, 5, 5000, 500
EXACT = 1000  # points per set of the exact 2-D W1


@dataclass(frozen=True)
class Setting:
    """One critic flavour: its optimisers, batch size and Lipschitz constraint."""

    g_tx: optax.GradientTransformation
    d_tx: optax.GradientTransformation
    batch: int
    clip: float | None = None
    gradient_penalty: float = 0.0


SETTINGS = {
    "wgan": Setting(optax.rmsprop(5e-5), optax.rmsprop(5e-5), 64, clip=0.01),
    "wgan_gp": Setting(
        optax.adam(1e-4, 0.0, 0.9), optax.adam(1e-3, 0.0, 0.9), 256, gradient_penalty=10.0
    ),
}
RUNS = (("bimodal1d", "wgan"), ("bimodal1d", "wgan_gp"), ("ring8", "wgan_gp"))


def run(dataset: str, flavour: str, iterations: int = 3000, seed: int = 0) -> dict:
    setting = SETTINGS[flavour]
    data = get_dataset(dataset, seed=seed)
    dim = data.element_shape[0]
    reference = data.test_set(N)
    state = init_gan_state(
        seed=seed,
        generator=MLP(hidden=(128, 128), out_dim=dim),
        discriminator=MLP(hidden=(128, 128), out_dim=1),
        latent_dim=dim,
        data_shape=(dim,),
        g_tx=setting.g_tx,
        d_tx=setting.d_tx,
    )
    constraint = {"gradient_penalty": setting.gradient_penalty, "clip": setting.clip}
    gan_step = make_gan_step(latent_dim=dim, objective="wasserstein", k=N_CRITIC, **constraint)
    step = compiler.jit(scan_steps(gan_step, CHUNK))
    warm_up = compiler.jit(
        scan_steps(make_d_step(latent_dim=dim, objective="wasserstein", **constraint), WARM_UP)
    )
    xs = np.stack([data.get_batch(i, setting.batch)["x"] for i in range(WARM_UP)])
    state, _ = warm_up(state, {"x": xs})
    draws = compiler.jit(lambda s: generate(s, latent(jax.random.key(seed + 9), N, dim)))
    distance = wasserstein_1d if dim == 1 else sliced_wasserstein
    record = {"iterations": [], "critic_estimate": [], "true_distance": []}
    if dim > 1:
        record["exact_w1"] = []
    for chunk in range(iterations // CHUNK):
        count = CHUNK * N_CRITIC
        first = WARM_UP + chunk * count
        xs = np.stack([data.get_batch(first + i, setting.batch)["x"] for i in range(count)])
        state, metrics = step(state, {"x": xs.reshape(CHUNK, N_CRITIC, setting.batch, dim)})
        estimate = np.mean(np.asarray(metrics["d_real"]) - np.asarray(metrics["d_fake"]))
        record["iterations"].append((chunk + 1) * CHUNK)
        record["critic_estimate"].append(float(estimate))
        samples = np.asarray(draws(state))
        record["true_distance"].append(distance(samples, reference))
        if dim > 1:
            record["exact_w1"].append(earth_movers_distance(samples[:EXACT], reference[:EXACT]))
    record["correlation"] = correlation(record["critic_estimate"], record["true_distance"])
    if dim > 1:
        record["exact_w1_correlation"] = correlation(record["critic_estimate"], record["exact_w1"])
        record["exact_w1_floor"] = earth_movers_distance(
            reference[:EXACT], reference[EXACT : 2 * EXACT]
        )
    return record


def correlation(a: list[float], b: list[float]) -> float:
    """Pearson's r = cov(a, b) / (σ_a σ_b) of two curves."""
    return float(np.corrcoef(a, b)[0, 1])


def main() -> None:
    out = output_dir("wasserstein_estimate", __doc__)
    results = {f"{flavour}/{dataset}": run(dataset, flavour) for dataset, flavour in RUNS}
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 4))
    for ax, (name, record) in zip(axes, results.items(), strict=True):
        truth = "sliced W1" if name.endswith("ring8") else "exact W1"
        # the clipped critic estimates K·W for an unknown K: give it its own axis
        critic_ax = ax.twinx() if name.startswith("wgan/") else ax
        lines = ax.plot(record["iterations"], record["true_distance"], "C1", label=truth)
        if "exact_w1" in record:
            label = f"exact W1, {EXACT} points (floor {record['exact_w1_floor']:.2f})"
            lines += ax.plot(record["iterations"], record["exact_w1"], "C2", label=label)
        lines += critic_ax.plot(
            record["iterations"], record["critic_estimate"], "C0", label="critic estimate"
        )
        ax.legend(lines, [line.get_label() for line in lines])
        ax.set_xlabel("generator iterations")
        exact = record.get("exact_w1_correlation")
        also = "" if exact is None else f" (exact W1: {exact:.2f})"
        ax.set_title(f"{name}: correlation {record['correlation']:.2f}{also}")
    fig.tight_layout()
    fig.savefig(out / "wasserstein_estimate.png", dpi=100)
    write_json(out / "wasserstein_estimate.json", results)


if __name__ == "__main__":
    main()
