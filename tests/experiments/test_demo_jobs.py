"""``make demo --jobs``: entries trained side by side, each in its own process, give the numbers
they give one after another; the page shows figures the runs drew."""

import re

import pytest

from experiments.demo import Entry, run_all, write_index
from tests.conftest import CACHE

pytestmark = pytest.mark.subprocess

TINY = {
    "model.latent_dim": 4,
    "model.g_hidden": (16, 16),
    "model.d_hidden": (16, 16),
    "data.batch_size": 64,
    "train.num_steps": 20,
    "train.steps_per_dispatch": 5,
    "train.log_every": 10,
    "train.eval_every": 10,
    "train.checkpoint_every": 20,
    "eval.num_samples": 500,
}


def entries():
    return [
        Entry(name, "experiments.configs.gan.ring8", "tiny", {**TINY, "optim.g_lr": lr})
        for name, lr in (("gan_a", 1e-3), ("gan_b", 3e-3))
    ]


def without_seconds(results: dict) -> dict:
    return {
        name: {k: v for k, v in r.items() if k != "train_seconds"} for name, r in results.items()
    }


def test_two_jobs_give_what_one_job_gives(tmp_path):
    side_by_side = run_all(entries(), tmp_path / "two", jobs=2, compilation_cache=CACHE)
    one_by_one = run_all(entries(), tmp_path / "one", jobs=1, compilation_cache=CACHE)
    assert set(side_by_side) == {"gan_a", "gan_b"}
    assert without_seconds(side_by_side) == without_seconds(one_by_one)
    assert side_by_side["gan_a"] != side_by_side["gan_b"]  # two configs: two different runs

    write_index(tmp_path / "two", entries(), side_by_side)
    images = re.findall(r'<img src="([^"]+)"', (tmp_path / "two" / "index.html").read_text())
    assert len(images) == 4  # per entry: its last samples figure and its loss curves
    assert all((tmp_path / "two" / image).is_file() for image in images)
    assert "gan_a/figures/samples_00000020.png" in images
