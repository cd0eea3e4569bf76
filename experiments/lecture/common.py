"""Shared plumbing of the lecture scripts: output folder, JSON, a small MLP GAN, seeded runs
of a config, a network fitted to a loss."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from experiments.train import sample, train_and_evaluate
from jaxgen.core import compiler
from jaxgen.gan import init_gan_state
from jaxgen.nn.mlp import MLP


def output_dir(name: str, doc: str) -> Path:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--out", default=f"runs/lecture/{name}", help="output folder")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def study_arguments(doc: str, out: str) -> argparse.ArgumentParser:
    """The options every trained study shares: ``--out`` (default ``out``) and
    ``--num_steps`` (override its runs' length); add the study's own to the parser."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--out", default=out, help="output folder")
    parser.add_argument("--num_steps", type=int, default=None, help="override the run length")
    return parser


def output_folder(args) -> Path:
    """``args.out``, created."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def fit(loss_fn, params, tx: optax.GradientTransformation, steps: int, seed: int):
    """``params`` after ``steps`` updates by ``tx`` descending ``loss_fn(params, key)``,
    update i drawing from ``fold_in(key(seed), i)``, in one compiled scan."""

    def step(carry, i):
        p, opt = carry
        grads = jax.grad(loss_fn)(p, jax.random.fold_in(jax.random.key(seed), i))
        updates, opt = tx.update(grads, opt, p)
        return (optax.apply_updates(p, updates), opt), None

    run = compiler.jit(lambda p: jax.lax.scan(step, (p, tx.init(p)), jnp.arange(steps)))
    (params, _), _ = run(params)
    return params


def save_results(fig, out: Path, name: str, numbers: dict) -> None:
    """``fig`` to ``out/<name>.png`` (then closed) and the numbers (arrays left out) to
    ``out/<name>.json``."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=100)
    plt.close(fig)
    write_json(
        out / f"{name}.json", {k: v for k, v in numbers.items() if not isinstance(v, np.ndarray)}
    )


def write_json(path: Path, numbers: dict) -> None:
    path.write_text(json.dumps(numbers, indent=2))


def mlp_gan(seed: int, data_dim: int, latent_dim: int, width: int = 128, lr: float = 1e-3):
    """A GAN state with two-hidden-layer MLPs and Adam(β1 = 0.5) for both players."""
    return init_gan_state(
        seed=seed,
        generator=MLP(hidden=(width, width), out_dim=data_dim),
        discriminator=MLP(hidden=(width, width), out_dim=1),
        latent_dim=latent_dim,
        data_shape=(data_dim,),
        g_tx=optax.adam(lr, 0.5),
        d_tx=optax.adam(lr, 0.5),
    )


def train_seed(
    out: Path, config_name: str, seed: int, num_steps: int | None = None, **model
) -> dict:
    """Train ``experiments/configs/<config_name>.py`` with ``seed`` (and ``config.model``
    overrides) in ``out/<config_name>_<overrides>_seed<seed>``, resuming if interrupted;
    returns its final evaluation and 2500 samples."""
    config = importlib.import_module(f"experiments.configs.{config_name.replace('/', '.')}")
    config = config.get_config()
    config.seed = seed
    config.model.update(model)
    config.train.progress = False
    config.train.eval_every = 0
    if num_steps is not None:
        config.train.num_steps = num_steps
    tags = "".join(f"_{value}" for value in model.values())
    workdir = out / f"{config_name.replace('/', '_')}{tags}_seed{seed}"
    results = train_and_evaluate(config, workdir)
    sample(config, workdir, config.eval.num_samples, progress=False)
    return {**results, "samples": np.load(workdir / "samples.npz")["arr_0"]}


def mean_and_standard_error(values) -> tuple[float, float]:
    values = np.asarray(values, float)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(len(values)))


def coverage_over_seeds(runs: list[dict]) -> dict:
    """Modes captured and high-quality fraction per seed, with mean ± standard error."""
    modes = [r["modes_captured"] for r in runs]
    quality = [r["high_quality_fraction"] for r in runs]
    (m_mean, m_se), (q_mean, q_se) = (
        mean_and_standard_error(modes),
        mean_and_standard_error(quality),
    )
    return {
        "modes_captured": modes,
        "high_quality_fraction": quality,
        "modes_mean": m_mean,
        "modes_standard_error": m_se,
        "high_quality_mean": q_mean,
        "high_quality_standard_error": q_se,
        "num_modes": runs[0]["num_modes"],
    }


def coverage_study(name: str, doc: str, datasets, columns, train, seeds=range(5)) -> dict:
    """The script ``name`` (described by ``doc``): rows ``datasets``, columns ``columns``,
    ``train(out, dataset, column, seed)`` for each seed (a :func:`train_seed` result),
    summarised by :func:`coverage_over_seeds` and drawn with seed 0's samples; writes
    ``<name>.png`` and ``<name>.json`` to its output folder."""
    import matplotlib.pyplot as plt

    from jaxgen.data import get_dataset

    out = output_dir(name, doc)
    summary = {}
    fig, axes = plt.subplots(
        len(datasets), len(columns), figsize=(5 * len(columns), 5 * len(datasets)), squeeze=False
    )
    for row, dataset in enumerate(datasets):
        reference = get_dataset(dataset).test_set(2500)
        for col, column in enumerate(columns):
            runs = [train(out, dataset, column, seed) for seed in seeds]
            key = f"{dataset}/{column}"
            summary[key] = coverage_over_seeds(runs)
            draw_coverage(axes[row, col], reference, runs[0]["samples"], key, summary[key])
    save_results(fig, out, name, summary)
    return summary


def draw_coverage(ax, reference: np.ndarray, samples: np.ndarray, title: str, summary: dict):
    """Seed 0's samples over the data, titled with the summary over seeds."""
    ax.scatter(*reference.T, s=1, c="0.8")
    ax.scatter(*samples.T, s=1)
    ax.set_aspect("equal")
    ax.set_title(
        f"{title}\nmodes {summary['modes_mean']:.1f} ± {summary['modes_standard_error']:.1f} / "
        f"{summary['num_modes']}, HQ {100 * summary['high_quality_mean']:.0f} ± "
        f"{100 * summary['high_quality_standard_error']:.0f}%"
    )
