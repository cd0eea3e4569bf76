"""The entry point: flags only, one-line errors with exit status 2, sample and eval modes."""

import json

import numpy as np
import pytest

from tests.conftest import RING8, TINY_GAN_FLAGS, run_main

pytestmark = pytest.mark.subprocess

SHORT = (f"--config={RING8}", *TINY_GAN_FLAGS, "--config.train.num_steps=20")


def assert_one_line_error(proc, *fragments):
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-2000:]
    for fragment in fragments:
        assert fragment in lines[0]


def test_train_then_sample_then_eval(tmp_path):
    proc = run_main(*SHORT, f"--workdir={tmp_path}", check=True)
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert results["num_modes"] == 8
    for name in ("metrics.jsonl", "loss_curves.png", "results.json", "config.json"):
        assert (tmp_path / name).is_file()

    run_main(*SHORT, f"--workdir={tmp_path}", "--mode=sample", "--num_samples=123", check=True)
    x = np.load(tmp_path / "samples.npz")["arr_0"]
    assert x.shape == (123, 2) and np.all(np.isfinite(x))
    assert (tmp_path / "samples.png").is_file()

    proc = run_main(*SHORT, f"--workdir={tmp_path}", "--mode=eval", check=True)
    assert json.loads(proc.stdout.strip().splitlines()[-1])["num_modes"] == 8


def test_a_second_run_reads_its_compiled_programs_from_the_cache(tmp_path):
    cache = tmp_path / "cache"

    def written():
        return {entry.name: entry.stat().st_mtime_ns for entry in cache.iterdir()}

    first = run_main(*SHORT, f"--workdir={tmp_path / 'a'}", f"--compilation_cache={cache}")
    assert first.returncode == 0, first.stderr[-2000:]
    entries = written()
    assert entries  # the step, the initial state, the evaluation
    second = run_main(*SHORT, f"--workdir={tmp_path / 'b'}", f"--compilation_cache={cache}")
    assert second.returncode == 0, second.stderr[-2000:]
    assert written() == entries  # read, not compiled and written again
    assert second.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]

    unused = tmp_path / "unused"  # an empty flag turns the cache off, even one set by JAX's
    env = {"JAX_COMPILATION_CACHE_DIR": str(unused)}  # environment variable
    none = run_main(*SHORT, f"--workdir={tmp_path / 'c'}", "--compilation_cache=", env=env)
    assert none.returncode == 0, none.stderr[-2000:]
    assert not unused.exists() or not any(unused.iterdir())
    assert none.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    "flags, fragments",
    [
        (("--config.train.no_such_key=3",), ("no_such_key",)),
        (("--config.data.name=ring9",), ("unknown dataset 'ring9'", "choose one of")),
        (("--config.family=vae",), ("unknown model family 'vae'",)),
        (
            ("--config.train.num_steps=7",),
            ("--config.train.num_steps=7 is not a multiple of --config.train.steps_per_dispatch",),
        ),
        (("--config.data.batch_size=abc",), ("batch_size",)),
    ],
)
def test_bad_input_is_one_line_with_exit_status_2(tmp_path, flags, fragments):
    assert_one_line_error(run_main(*SHORT, *flags, f"--workdir={tmp_path}"), *fragments)


def test_missing_flags_config_file_and_sampling_before_training(tmp_path):
    assert_one_line_error(run_main(f"--workdir={tmp_path}"), "--config and --workdir")
    assert_one_line_error(run_main(f"--config={RING8}"), "--config and --workdir")
    assert_one_line_error(
        run_main("--config=experiments/configs/gan/nope.py", f"--workdir={tmp_path}")
    )
    assert_one_line_error(run_main(*SHORT, f"--workdir={tmp_path}", "--mode=sample"), "train first")


def test_resuming_with_a_changed_config_is_refused_and_keeps_the_checkpoint(tmp_path):
    run_main(*SHORT, f"--workdir={tmp_path}", check=True)
    proc = run_main(*SHORT, "--config.optim.g_lr=0.5", f"--workdir={tmp_path}")
    assert_one_line_error(proc, "holds another run", "optim.g_lr", "use a new --workdir")
    assert (tmp_path / "checkpoints" / "20").is_dir()


def test_help_lists_the_flags_and_exits_0():
    proc = run_main("--help")
    assert proc.returncode == 0, proc.stderr[-2000:]
    for flag in ("--config", "--workdir", "--mode", "--[no]start_afresh", "--join_timeout"):
        assert flag in proc.stdout
