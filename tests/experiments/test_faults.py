"""Faults injected into real runs of the entry point: each user mistake is one ``error:`` line
with exit status 2 and changes no file of the workdir; damage, a second writer, a torn
journal line, a read-only workdir and a full disk lose nothing saved."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import run_main, start_main, workdir_files
from tests.experiments.test_main import SHORT, assert_one_line_error

pytestmark = pytest.mark.subprocess

CHECKPOINTED = (*SHORT, "--config.train.checkpoint_every=10")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A finished 20-iteration run with checkpoints 10 and 20, copied per test."""
    workdir = tmp_path_factory.mktemp("trained")
    run_main(*CHECKPOINTED, f"--workdir={workdir}", check=True)
    return workdir


@pytest.fixture
def workdir(trained, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(trained, copy)
    return copy


MISTAKES = {
    "unknown objective": (
        ("--config.model.objective=nope",),
        "unknown GAN --config.model.objective 'nope'",
    ),
    "batch size 0": (("--config.data.batch_size=0",), "batch_size=0 must be at least 1"),
    "batch size < 0": (("--config.data.batch_size=-4",), "batch_size=-4 must be at least 1"),
    "no steps": (("--config.train.num_steps=0",), "num_steps=0 must be at least 1"),
    "steps < 0": (("--config.train.num_steps=-5",), "num_steps=-5 must be at least 1"),
    "dispatch 0": (("--config.train.steps_per_dispatch=0",), "steps_per_dispatch=0 must be"),
    "keep 0": (("--config.train.keep_checkpoints=0",), "keep_checkpoints=0 must be at least 1"),
    "keep < 0": (("--config.train.keep_checkpoints=-1",), "keep_checkpoints=-1 must be"),
    "no samples": (("--mode=sample", "--num_samples=0"), "num_samples=0 draws nothing"),
    "samples < 0": (("--mode=sample", "--num_samples=-3"), "num_samples=-3 draws nothing"),
    "process id": (
        ("--coordinator=127.0.0.1:1", "--num_processes=2", "--process_id=2"),
        "--process_id=2 is not one of the 2 processes",
    ),
    "other config": (("--config.optim.g_lr=0.5",), "fingerprint.json differs in optim.g_lr)"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_mistake_on_resume_is_one_line_and_changes_nothing(workdir, mistake):
    flags, fragment = MISTAKES[mistake]
    before = workdir_files(workdir)
    assert_one_line_error(run_main(*SHORT, *flags, f"--workdir={workdir}"), fragment)
    assert workdir_files(workdir) == before


def test_config_files_that_are_missing_or_do_not_parse_are_one_line(tmp_path):
    missing = run_main(
        "--config=experiments/configs/gan/nope.py",
        "--config.train.num_steps=3",  # overrides make ml_collections load the file early
        f"--workdir={tmp_path / 'a'}",
    )
    assert_one_line_error(missing, "cannot read config file", "No such file")
    broken = tmp_path / "broken.py"
    broken.write_text("def get_config(:\n    pass\n")
    assert_one_line_error(
        run_main(f"--config={broken}", "--config.seed=1", f"--workdir={tmp_path / 'b'}"),
        f"config file {broken}:1: invalid syntax",
    )
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_sampling_a_workdir_that_does_not_exist_does_not_create_it(tmp_path):
    proc = run_main(*SHORT, f"--workdir={tmp_path / 'absent'}", "--mode=sample")
    assert_one_line_error(proc, "no checkpoint in", "train first")
    assert not (tmp_path / "absent").exists()


def test_a_deleted_fingerprint_json_still_refuses_another_config(workdir):
    (workdir / "fingerprint.json").unlink()
    before = workdir_files(workdir)
    proc = run_main(*SHORT, "--config.optim.g_lr=0.5", f"--workdir={workdir}")
    assert_one_line_error(proc, "checkpoints/20/meta differs in optim.g_lr)", "--workdir")
    assert workdir_files(workdir) == before


def write_random_bytes_into_arrays(checkpoint: Path, seed: int = 0):
    """Overwrite the middle of every array data file with random bytes."""
    rng = np.random.default_rng(seed)
    for f in sorted(checkpoint.glob("state/**/d/*")):
        data = bytearray(f.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = rng.bytes(len(data[middle : middle + 64]))
        f.write_bytes(bytes(data))


def test_random_bytes_in_the_latest_checkpoint_fall_back_to_the_previous_one(workdir):
    write_random_bytes_into_arrays(workdir / "checkpoints" / "20")
    proc = run_main(*SHORT, f"--workdir={workdir}", "--mode=sample", "--num_samples=50")
    assert proc.returncode == 0, proc.stderr[-2000:]
    warning = [line for line in proc.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "checkpoint 20" in warning[0] and "damaged" in warning[0]
    assert (workdir / "damaged" / "20").is_dir()
    assert np.all(np.abs(np.load(workdir / "samples.npz")["arr_0"]) < 100)
    run_main(*SHORT, f"--workdir={workdir}", check=True)  # retrains 10 -> 20
    assert (workdir / "checkpoints" / "20").is_dir()


def test_every_checkpoint_damaged_is_refused_until_starting_afresh(workdir):
    for iteration in (10, 20):
        write_random_bytes_into_arrays(workdir / "checkpoints" / str(iteration))
    proc = run_main(*SHORT, f"--workdir={workdir}")
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[-1].startswith("error: every checkpoint in")
    assert "(10, 20, moved to" in proc.stderr and "--start_afresh" in proc.stderr
    assert len(proc.stderr.splitlines()) == 3  # a warning for each checkpoint, the error
    again = run_main(*SHORT, f"--workdir={workdir}")  # no silent restart on a retry
    assert_one_line_error(again, "every checkpoint in", "--start_afresh")
    run_main(*SHORT, f"--workdir={workdir}", "--start_afresh", check=True)
    assert (workdir / "checkpoints" / "20").is_dir() and (workdir / "damaged" / "20").is_dir()


def test_a_torn_last_metrics_line_is_dropped_on_resume(workdir):
    with (workdir / "metrics.jsonl").open("a") as f:
        f.write('{"iteration": 30, "g_lo')
    run_main(*SHORT, "--config.train.num_steps=40", f"--workdir={workdir}", check=True)
    rows = [json.loads(line) for line in (workdir / "metrics.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in rows] == [10, 20, 30, 40]


def test_a_second_writer_is_refused_and_the_first_finishes(tmp_path):
    long = (*CHECKPOINTED, "--config.train.num_steps=100000")
    first = start_main(*long, f"--workdir={tmp_path}")
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "checkpoints" / "10").is_dir() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_main(*long, f"--workdir={tmp_path}")
        assert_one_line_error(second, f"in use by process {first.pid} on ")
        assert first.poll() is None  # untouched: still training
    finally:
        first.kill()
        first.wait()
    # the killed writer's lock file is left, and blocks nobody
    assert (tmp_path / ".lock").is_file()
    run_main(*long, f"--workdir={tmp_path}", "--mode=sample", "--num_samples=10", check=True)


def mount(*args) -> bool:
    return subprocess.run(["mount", *map(str, args)], capture_output=True).returncode == 0


@pytest.fixture
def read_only(workdir, tmp_path):
    """``workdir`` seen through a read-only bind mount (chmod does not stop root)."""
    view = tmp_path / "read-only"
    view.mkdir()
    if not mount("--bind", workdir, view):
        pytest.skip("cannot bind-mount here")
    try:
        if not mount("-o", "remount,ro,bind", view):
            pytest.skip("cannot remount read-only here")
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=True)


@pytest.mark.parametrize("mode", ["train", "sample"])
def test_a_read_only_workdir_is_one_line(read_only, mode):
    before = workdir_files(read_only)
    proc = run_main(
        *SHORT, "--config.train.num_steps=40", f"--workdir={read_only}", f"--mode={mode}"
    )
    assert_one_line_error(proc, "is not writable (Read-only file system)")
    assert workdir_files(read_only) == before


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if not mount("-t", "tmpfs", "-o", "size=2m", "tmpfs", disk):
        pytest.skip("cannot mount a tmpfs here (tests/training/test_loop.py fakes a full disk)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_during_a_checkpoint_is_one_line_and_the_run_resumes_after(
    small_disk, tmp_path
):
    workdir = small_disk / "run"
    run_main(*CHECKPOINTED, f"--workdir={workdir}", check=True)
    checkpoints = {k: v for k, v in workdir_files(workdir).items() if k.startswith("checkpoints")}
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * (free - 8192))

    more = (*CHECKPOINTED, "--config.train.num_steps=40")
    proc = run_main(*more, f"--workdir={workdir}")
    assert_one_line_error(proc, f"no space left on device in {workdir}", "free space and rerun")
    after = {k: v for k, v in workdir_files(workdir).items() if k.startswith("checkpoints")}
    assert after == checkpoints

    filler.unlink()
    run_main(*more, f"--workdir={workdir}", check=True)
    run_main(*more, f"--workdir={tmp_path / 'whole'}", check=True)
    arrays = lambda w: json.loads((w / "checkpoints/40/meta/metadata").read_text())["arrays"]  # noqa: E731
    assert arrays(workdir) == arrays(tmp_path / "whole")
