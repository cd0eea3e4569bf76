"""Multi-process runs survive one process compiling much later than another."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.experiments.test_many_devices import free_port

pytestmark = pytest.mark.subprocess


def test_a_process_late_to_its_first_step_still_joins_the_all_reduce():
    port = free_port()
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.core.late_process", str(i), str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err[-2000:]
        # rows of 1s from process 0 and 2s from process 1, summed over the global batch
        assert out.splitlines()[-1] == "[6.0, 6.0, 6.0]"
