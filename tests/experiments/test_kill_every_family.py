"""Every family, killed with SIGKILL during training and during an evaluation and restarted,
ends with the arrays, ``metrics.jsonl``, ``eval.jsonl``, figures and results of an
uninterrupted run."""

import json
import os
import time

import pytest

from tests.conftest import kill_when, run_main, start_main

pytestmark = pytest.mark.subprocess

STEPS, EVERY = 40, 20
SCHEDULE = (
    f"--config.train.num_steps={STEPS}",
    "--config.train.checkpoint_every=10",
    f"--config.train.eval_every={EVERY}",
    "--config.train.log_every=10",
    "--config.train.keep_checkpoints=2",
    "--config.train.progress=False",
    "--config.data.batch_size=32",
)
FAMILIES = {
    "gan": (
        "--config=experiments/configs/gan/ring8.py",
        "--config.model.latent_dim=4",
        "--config.model.g_hidden=(32,32)",
        "--config.model.d_hidden=(32,32)",
        "--config.train.steps_per_dispatch=5",
    ),
    "flow": (
        "--config=experiments/configs/flow/ring8.py",
        "--config.model.pairs=1",
        "--config.model.hidden=(16,)",
        "--config.model.bins=4",
        "--config.model.init_batch_size=64",
        "--config.eval.num_samples=200",
        "--config.train.steps_per_dispatch=5",
    ),
    "diffusion": (
        "--config=experiments/configs/diffusion/ring8.py",
        "--config.eval.num_samples=64",
        "--config.train.steps_per_dispatch=5",
    ),
    "flow_matching": (
        "--config=experiments/configs/flow_matching/ring8.py",
        "--config.model.hidden=(16,)",
        "--config.model.embedding=8",
        "--config.eval.num_samples=64",
        "--config.eval.likelihood=",  # no ODE density figure (a solve per grid point)
        "--config.train.steps_per_dispatch=5",
    ),
    "cyclegan": (  # photo patches: the digits' evaluation retrains a classifier per process
        "--config=experiments/configs/cyclegan/photos.py",
        "--config.data.image_size=8",
        "--config.model.g_features=4",
        "--config.model.blocks=1",
        "--config.model.downsamplings=1",
        "--config.model.d_features=4",
        "--config.model.d_layers=1",
        "--config.model.pool_size=8",
        "--config.eval.num_samples=16",
        "--config.train.steps_per_dispatch=5",
    ),
}


def start(flags, workdir):
    return start_main(*flags, f"--workdir={workdir}")


def outcome(workdir):
    """What a finished run leaves: the final arrays' checksums, the journals (but the
    measured speed), the figures' bytes and the results."""
    meta = json.loads((workdir / "checkpoints" / str(STEPS) / "meta" / "metadata").read_text())
    rows = lambda name: [  # noqa: E731
        {k: v for k, v in json.loads(line).items() if k != "steps_per_sec"}
        for line in (workdir / name).read_text().splitlines()
    ]
    figures = {p.name: p.read_bytes() for p in sorted((workdir / "figures").iterdir())}
    results = json.loads((workdir / "results.json").read_text())
    return meta["arrays"], rows("metrics.jsonl"), rows("eval.jsonl"), figures, results


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_killed_in_training_and_in_evaluation_resumes_to_the_same_run(tmp_path, family):
    flags = (*FAMILIES[family], *SCHEDULE)
    began = time.monotonic()
    run_main(*flags, f"--workdir={tmp_path / 'reference'}", check=True)
    duration = time.monotonic() - began

    workdir = tmp_path / "killed"
    # just after checkpoint 20 commits: its evaluation is under way or not yet begun
    kill_when(start(flags, workdir), lambda: (workdir / "checkpoints" / str(EVERY)).is_dir())
    assert not (workdir / "results.json").exists()
    wait = float(os.urandom(1)[0]) / 255 * duration  # then at a random moment of a run
    kill_when(start(flags, workdir), lambda: time.sleep(wait) or True)
    # a run that dies by a signal of its own (faulthandler prints where) is one more kill:
    # rerunning must resume to the same run
    for _ in range(2):
        final = run_main(*flags, f"--workdir={workdir}", env={"PYTHONFAULTHANDLER": "1"})
        if final.returncode >= 0:
            break
    assert final.returncode == 0, final.stderr[-3000:]

    expected, got = outcome(tmp_path / "reference"), outcome(workdir)
    names = ("arrays", "metrics", "eval", "figures", "results")
    for name, a, b in zip(names, got, expected, strict=True):
        assert a == b, f"{family}: {name} differ"
