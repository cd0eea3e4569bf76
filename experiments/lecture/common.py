"""Shared plumbing of the lecture scripts: output folder, JSON, a small MLP GAN."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import optax

from jaxgen.gan import init_gan_state
from jaxgen.nn.mlp import MLP


def output_dir(name: str, doc: str) -> Path:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--out", default=f"runs/lecture/{name}", help="output folder")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_json(path: Path, numbers: dict) -> None:
    path.write_text(json.dumps(numbers, indent=2))


def mlp_gan(seed: int, data_dim: int, latent_dim: int, width: int = 128, lr: float = 1e-3):
    """A GAN state with two-hidden-layer MLPs and Adam(β1 = 0.5) for both players."""
    return init_gan_state(
        seed=seed,
        generator=MLP((width, width), data_dim),
        discriminator=MLP((width, width), 1),
        latent_dim=latent_dim,
        data_shape=(data_dim,),
        g_tx=optax.adam(lr, 0.5),
        d_tx=optax.adam(lr, 0.5),
    )
