"""Figures: sample scatter plots and histograms, image grids, loss curves (matplotlib, Agg)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def image_grid(images: np.ndarray, columns: int = 10) -> np.ndarray:
    """Tile (N, H, W, C) images in [0, 1] into one (rows·H, columns·W, C) array, 1-pixel gaps."""
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.ones((rows * (h + 1) - 1, columns * (w + 1) - 1, c), images.dtype)
    for i, image in enumerate(images):
        r, q = divmod(i, columns)
        grid[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = image
    return grid


def save_samples_figure(samples: np.ndarray, path: Path, *, title: str = "", reference=None):
    """A scatter (2-D), a histogram (1-D) or an image grid ((N, H, W, C) in [0, 1])."""
    fig, ax = plt.subplots(figsize=(5, 5))
    if samples.ndim == 2 and samples.shape[1] == 2:
        if reference is not None:
            ax.scatter(*reference.T, s=2, c="0.75", label="data")
        ax.scatter(*samples.T, s=2, c="C0", label="samples")
        ax.set_aspect("equal")
        ax.legend(loc="upper right", markerscale=4)
    elif samples.ndim == 2 and samples.shape[1] == 1:
        bins = np.linspace(samples.min() - 0.5, samples.max() + 0.5, 100)
        if reference is not None:
            ax.hist(reference[:, 0], bins=bins, density=True, color="0.75", label="data")
        ax.hist(samples[:, 0], bins=bins, density=True, histtype="step", label="samples")
        ax.legend()
    else:
        grid = image_grid(samples[:100])
        ax.imshow(grid.squeeze(-1) if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
        ax.axis("off")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def save_metrics_figure(metrics_jsonl: Path, path: Path) -> None:
    """One panel per metric of ``metrics.jsonl`` against the iteration."""
    rows = [json.loads(line) for line in metrics_jsonl.read_text().splitlines() if line]
    names = [k for k in rows[0] if k not in ("iteration", "steps_per_sec")]
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), squeeze=False)
    steps = [r["iteration"] for r in rows]
    for ax, name in zip(axes[0], names, strict=True):
        ax.plot(steps, [r[name] for r in rows])
        ax.set_title(name)
        ax.set_xlabel("iteration")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
