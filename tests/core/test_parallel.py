"""Multi-process runs survive one process compiling much later than another."""

import pytest

from tests.conftest import free_port, run_two_processes

pytestmark = pytest.mark.subprocess


def test_a_process_late_to_its_first_step_still_joins_the_all_reduce():
    port = free_port()
    outputs = run_two_processes(
        lambda i: ["tests.core.late_process", str(i), str(port)],
        env={"XLA_FLAGS": "--xla_force_host_platform_device_count=1"},
        timeout=240,
    )
    for out in outputs:  # rows of 1s from process 0 and 2s from process 1, summed
        assert out.splitlines()[-1] == "[6.0, 6.0, 6.0]"
