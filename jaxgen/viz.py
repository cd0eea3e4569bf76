"""Figures: sample scatter plots and histograms, image grids, loss curves (matplotlib; the
backend is the caller's: the command line draws without a display, a notebook inline)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images: np.ndarray, columns: int = 10) -> np.ndarray:
    """Tile (N, H, W, C) images in [0, 1] into one (rows·H, columns·W, C) array, 1-pixel gaps."""
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.ones((rows * (h + 1) - 1, columns * (w + 1) - 1, c), images.dtype)
    for i, image in enumerate(images):
        r, q = divmod(i, columns)
        grid[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = image
    return grid


def image_rows(columns: list[np.ndarray]) -> np.ndarray:
    """Images side by side, one row per example: ``columns`` of (N, H, W, C) images in
    [−1, 1] (greyscale ones repeated to the widest channel count) tiled into one grid in
    [0, 1], row i holding example i of each column."""
    channels = max(c.shape[-1] for c in columns)
    columns = [np.repeat(c, channels, axis=-1) if c.shape[-1] < channels else c for c in columns]
    shape = columns[0].shape[1:]
    tiles = np.clip((np.stack(columns, axis=1).reshape(-1, *shape) + 1) / 2, 0, 1)
    return image_grid(tiles, columns=len(columns))


def save_rows_figure(columns: list[np.ndarray], path: Path, *, title: str, size=(3, 8)):
    """:func:`image_rows` of ``columns`` drawn to ``path`` (translations: input | output |
    target, a → G(a) → F(G(a)), ...)."""
    grid = image_rows(columns)
    fig, ax = plt.subplots(figsize=size)
    ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


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


def grid_over(points: np.ndarray, size: int = 200, margin: float = 0.1):
    """A ``size`` x ``size`` grid of 2-D points covering ``points`` with a relative ``margin``:
    returns the (size², 2) float32 points, the extent (x0, x1, y0, y1) and one cell's area."""
    lo, hi = points.min(0), points.max(0)
    pad = margin * (hi - lo)
    xs, ys = (np.linspace(a, b, size) for a, b in zip(lo - pad, hi + pad, strict=True))
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2).astype(np.float32)
    return grid, (xs[0], xs[-1], ys[0], ys[-1]), (xs[1] - xs[0]) * (ys[1] - ys[0])


def save_density_figure(
    panels: dict[str, np.ndarray], extent, samples: np.ndarray, path: Path, *, title: str = ""
):
    """Heat maps of (size, size) densities on a grid of ``extent`` (one panel per entry of
    ``panels``, on a shared colour scale) beside a scatter of ``samples``."""
    fig, axes = plt.subplots(1, len(panels) + 1, figsize=(4.5 * (len(panels) + 1), 4.5))
    top = max(float(p.max()) for p in panels.values())
    for ax, (name, density) in zip(axes, panels.items(), strict=False):
        ax.imshow(density, origin="lower", extent=extent, vmin=0, vmax=top, cmap="magma")
        ax.set_title(name)
    axes[-1].scatter(*samples.T, s=1)
    axes[-1].set_xlim(extent[:2])
    axes[-1].set_ylim(extent[2:])
    axes[-1].set_aspect("equal")
    axes[-1].set_title("samples")
    fig.suptitle(title)
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
