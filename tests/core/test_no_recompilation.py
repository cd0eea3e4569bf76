"""The training loop compiles each family's step once: the state a step returns has the same
shapes, dtypes, weak types and shardings as the one it took, so iterations after the first,
checkpoint saves and evaluations never trigger a second compilation."""

from __future__ import annotations

import logging
import re

import jax
import pytest

from tests.conftest import short_config, train_config

STEP_COMPILED = re.compile(r"Compiling jit\((guarded|scanned)\)")

CASES = {
    "gan.ring8": ({}, 1),
    "gan.digits": ({}, 1),  # DCGAN: BatchNorm statistics in the state
    "wgan_gp.ring8": ({}, 1),
    "flow.ring8": ({}, 1),
    "diffusion.ring8": ({"num_timesteps": 100}, 1),  # evaluations sample all T steps
    "cyclegan.digits": ({"g_features": 4, "d_features": 4, "pool_size": 4}, 1),
    "gan.ring8 scan_steps": ({}, 3),
}


class Messages(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.mark.parametrize("case", CASES)
def test_the_step_compiles_once_over_iterations_checkpoints_and_evaluations(case, tmp_path):
    overrides, per_dispatch = CASES[case]
    config = short_config(case.split()[0], 6 * per_dispatch, 2 * per_dispatch, per_dispatch)
    config.model.update(overrides)
    config.train.eval_every = 3 * per_dispatch
    config.eval.num_samples = 64
    handler = Messages()
    logger = logging.getLogger("jax")
    logger.addHandler(handler)
    try:
        with jax.log_compiles():
            train_config(config, tmp_path)
    finally:
        logger.removeHandler(handler)
    compiles = [m for m in handler.messages if STEP_COMPILED.match(m)]
    assert len(compiles) == 1, "\n".join(compiles)
