"""A multi-process run whose peer dies or never arrives: each survivor prints one line naming
the lost process and exits with status 3, within the heartbeat or join timeout, and the
checkpoints stay good for a restart."""

import signal
import subprocess
import time

import pytest

from tests.conftest import TINY_GAN_FLAGS, free_port, run_two_processes, start_main

pytestmark = pytest.mark.subprocess

HEARTBEAT = 10
FLAGS = (
    "--config=experiments/configs/gan/ring8.py",
    *TINY_GAN_FLAGS,
    "--config.train.checkpoint_every=50",
    f"--heartbeat_timeout={HEARTBEAT}",
)
ENV = {"XLA_FLAGS": "--xla_force_host_platform_device_count=1"}


def start(process_id, port, *flags):
    return start_main(
        *FLAGS,
        *flags,
        f"--coordinator=127.0.0.1:{port}",
        "--num_processes=2",
        f"--process_id={process_id}",
        env=ENV,
        stderr=subprocess.PIPE,
    )


def only_line(proc) -> str:
    lines = [line for line in proc.stderr.read().splitlines() if line.strip()]
    assert len(lines) == 1, lines[-20:]
    return lines[0]


@pytest.mark.parametrize("victim", [1, 0], ids=["peer", "coordinator"])
def test_a_killed_process_is_named_by_its_peer_and_the_run_restarts(tmp_path, victim):
    port = free_port()
    workdir = f"--workdir={tmp_path}"
    procs = [start(i, port, workdir, "--config.train.num_steps=1000000") for i in (0, 1)]
    survivor = procs[1 - victim]
    try:
        deadline = time.monotonic() + 240
        while not (tmp_path / "checkpoints" / "100").is_dir() and time.monotonic() < deadline:
            time.sleep(0.05)
        procs[victim].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        survivor.wait(timeout=60)
        assert time.monotonic() - killed < 60
    finally:
        for p in procs:
            p.kill()
            p.wait()
    assert survivor.returncode == 3
    line = only_line(survivor)
    lost = "lost process 1, silent for 10 s" if victim == 1 else "lost the coordinator"
    assert line.startswith(f"error: process {1 - victim} of 2: {lost}"), line
    assert "restart every process to resume" in line

    reached = max(int(p.name) for p in (tmp_path / "checkpoints").iterdir() if p.name.isdigit())
    run_two_processes(  # the checkpoints are good: both processes resume and finish
        lambda i: [
            "experiments.main",
            *FLAGS,
            workdir,
            f"--config.train.num_steps={reached + 50}",
            f"--coordinator=127.0.0.1:{port}",
            "--num_processes=2",
            f"--process_id={i}",
        ],
        env=ENV,
    )
    assert (tmp_path / "checkpoints" / str(reached + 50)).is_dir()


def test_a_process_that_never_joins_is_named_after_the_join_timeout(tmp_path):
    flags = (f"--workdir={tmp_path}", "--join_timeout=5")
    alone = start(0, free_port(), *flags)  # process 1 never starts
    assert alone.wait(timeout=120) == 3
    line = only_line(alone)
    assert line.startswith("error: process 0 of 2: process 1 did not join within 5 s"), line

    orphan = start(1, free_port(), *flags)  # no coordinator listens
    assert orphan.wait(timeout=120) == 3
    line = only_line(orphan)
    assert "the coordinator (process 0) at 127.0.0.1:" in line and "within 5 s" in line, line
    assert not (tmp_path / "checkpoints").exists()
