"""A run killed with SIGKILL at arbitrary moments and restarted ends bit-for-bit equal to an
uninterrupted run (same device count): the real process, the real checkpoint files."""

import json
import os
import time

import pytest

from experiments.configs.gan.ring8 import get_config
from experiments.train import build_experiment, restore_trained
from jaxgen.training.checkpoint import TMP_MARKER
from tests.conftest import (
    RING8,
    TINY_GAN_FLAGS,
    assert_same_values,
    kill_when,
    run_main,
    start_main,
)

pytestmark = pytest.mark.subprocess

STEPS = 300
FLAGS = (
    f"--config={RING8}",
    *TINY_GAN_FLAGS,
    f"--config.train.num_steps={STEPS}",
    "--config.train.checkpoint_every=10",
    "--config.train.keep_checkpoints=2",
)


def config():
    c = get_config()
    for flag in TINY_GAN_FLAGS + FLAGS[1:]:
        key, value = flag.removeprefix("--config.").split("=")
        section, name = key.split(".")
        c[section][name] = eval(value)  # the flags above are Python literals
    return c


def final_state(workdir):
    c = config()
    state, iteration = restore_trained(c, workdir, build_experiment(c))
    assert iteration == STEPS
    return state


def start(workdir):
    return start_main(*FLAGS, f"--workdir={workdir}")


def saving(workdir):
    return lambda: any((workdir / "checkpoints").glob(f"*{TMP_MARKER}*"))


def reached(workdir, iteration):
    return lambda: (workdir / "checkpoints" / str(iteration)).is_dir()


def unfinished(workdir):
    return not (workdir / "checkpoints" / str(STEPS)).exists()


def test_killed_and_restarted_runs_end_bit_exact(tmp_path):
    reference = tmp_path / "reference"
    run_main(*FLAGS, f"--workdir={reference}", check=True)
    expected = final_state(reference)

    # kill points: mid-save of an early checkpoint; just after a later checkpoint appears;
    # and at a random moment — three kills in the same workdir before it may finish
    workdir = tmp_path / "killed"
    kill_when(start(workdir), saving(workdir))
    assert unfinished(workdir)
    kill_when(start(workdir), reached(workdir, 150))
    assert unfinished(workdir)
    kill_when(start(workdir), lambda: time.sleep(float(os.urandom(1)[0]) / 255 * 3) or True)
    run_main(*FLAGS, f"--workdir={workdir}", check=True)

    assert_same_values(final_state(workdir), expected)
    lines = lambda w: [json.loads(x) for x in (w / "metrics.jsonl").read_text().splitlines()]
    resumed, uninterrupted = lines(workdir), lines(reference)
    assert [r["iteration"] for r in resumed] == [r["iteration"] for r in uninterrupted]
    for a, b in zip(resumed, uninterrupted, strict=True):
        assert a["g_loss"] == b["g_loss"] and a["d_loss"] == b["d_loss"]
