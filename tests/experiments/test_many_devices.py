"""The same step on 1, 4 and 8 devices, and across two processes, gives the same run."""

import pytest

from experiments.configs.gan.ring8 import get_config
from experiments.train import build_experiment, restore_trained
from tests.conftest import (
    RING8,
    TINY_GAN_FLAGS,
    assert_same_values,
    free_port,
    run_main,
    run_two_processes,
)

pytestmark = pytest.mark.subprocess

STEPS = 40
FLAGS = (f"--config={RING8}", *TINY_GAN_FLAGS, f"--config.train.num_steps={STEPS}")


def devices(n):
    return {"XLA_FLAGS": f"--xla_force_host_platform_device_count={n}"}


def final_state(workdir):
    c = get_config()
    c.model.latent_dim, c.model.g_hidden, c.model.d_hidden = 4, (32, 32), (32, 32)
    c.data.batch_size, c.train.steps_per_dispatch, c.train.num_steps = 64, 5, STEPS
    c.train.log_every, c.train.eval_every, c.train.progress = 10, 0, False
    state, iteration = restore_trained(c, workdir, build_experiment(c))
    assert iteration == STEPS
    return state


@pytest.fixture(scope="module")
def one_device_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("one")
    run_main(*FLAGS, f"--workdir={workdir}", env=devices(1), check=True)
    return final_state(workdir)


def test_eight_devices_match_one_device(tmp_path, one_device_run):
    run_main(*FLAGS, f"--workdir={tmp_path}", env=devices(8), check=True)
    assert_same_values(final_state(tmp_path), one_device_run, atol=1e-5)


def test_two_processes_match_one_process_with_four_devices(tmp_path, one_device_run):
    run_main(*FLAGS, f"--workdir={tmp_path / 'single'}", env=devices(4), check=True)
    single = final_state(tmp_path / "single")
    assert_same_values(single, one_device_run, atol=1e-5)

    port = free_port()
    run_two_processes(
        lambda i: [
            "experiments.main",
            *FLAGS,
            f"--workdir={tmp_path / 'multi'}",
            f"--coordinator=127.0.0.1:{port}",
            "--num_processes=2",
            f"--process_id={i}",
        ],
        env=devices(2),
    )
    assert_same_values(final_state(tmp_path / "multi"), single, atol=1e-5)
