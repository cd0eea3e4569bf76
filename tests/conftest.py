"""Strict, fast test configuration.

* a persistent compilation cache shared by the suite and its child processes;
* rank promotion raises (a silent broadcast between (n,) and (n, 1) is a bug here);
* helpers to build small GAN states and to run the entry point in a child process, or in
  two processes of one multi-process run.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import optax
import pytest

ROOT = Path(__file__).resolve().parents[1]
CACHE = os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(ROOT / ".jax_cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
jax.config.update("jax_compilation_cache_dir", CACHE)
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_numpy_rank_promotion", "raise")

RING8 = "experiments/configs/gan/ring8.py"
TINY_GAN_FLAGS = (
    "--config.model.latent_dim=4",
    "--config.model.g_hidden=(32,32)",
    "--config.model.d_hidden=(32,32)",
    "--config.data.batch_size=64",
    "--config.train.steps_per_dispatch=5",
    "--config.train.log_every=10",
    "--config.train.eval_every=0",
    "--config.train.progress=False",
)


def as_numbers(tree):
    """The tree with typed PRNG keys replaced by their raw data, for comparisons."""
    return jax.tree.map(
        lambda x: (
            jax.random.key_data(x) if jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key) else x
        ),
        tree,
    )


def assert_same_values(a, b, atol: float = 0.0):
    """Every leaf of ``a`` equals (``atol=0``: bit for bit) the matching leaf of ``b``."""
    la, lb = jax.tree.leaves(as_numbers(a)), jax.tree.leaves(as_numbers(b))
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=True):
        if atol:
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=atol, rtol=0)
        else:
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def initial_state(task, seed: int = 0):
    """``task.init_state(seed)`` computed as the training loop computes it, compiled and
    replicated over the data mesh (op by op, every parameter shape's random draw would
    compile on its own: 40 s for a small U-Net)."""
    from jaxgen.core import parallel

    return parallel.init_replicated(lambda: task.init_state(seed), parallel.data_mesh())


def tiny_gan_state(seed: int = 0, k_lr: float = 1e-3, g_hidden: tuple[int, ...] = (16,)):
    from jaxgen.gan import init_gan_state
    from jaxgen.nn.mlp import MLP

    return init_gan_state(
        seed=seed,
        generator=MLP(hidden=g_hidden, out_dim=2),
        discriminator=MLP(hidden=(16,), out_dim=1),
        latent_dim=3,
        data_shape=(2,),
        g_tx=optax.adam(k_lr, 0.5),
        d_tx=optax.adam(k_lr, 0.5),
        ema=True,
    )


def short_config(name: str, num_steps: int, every: int = 5, steps_per_dispatch: int = 1, **model):
    """``experiments/configs/<name>.py`` (dotted) with ``model`` overrides, batch 32, and a
    schedule of ``num_steps`` that logs and checkpoints every ``every`` iterations."""
    import importlib

    config = importlib.import_module(f"experiments.configs.{name}").get_config()
    config.model.update(model)
    config.data.batch_size = 32
    config.train.update(
        num_steps=num_steps,
        steps_per_dispatch=steps_per_dispatch,
        log_every=every,
        eval_every=0,
        checkpoint_every=every,
        progress=False,
    )
    return config


def train_config(config, workdir, **task_changes):
    """Train ``config`` in ``workdir`` through the loop (resuming), optionally with fields of
    its Task replaced; returns the final state."""
    from experiments.configs.base import run_fingerprint
    from experiments.train import build_experiment, loop_settings
    from jaxgen.training.loop import Task, train

    experiment = build_experiment(config)
    task = experiment.task
    if task_changes:
        task = Task(**{**task.__dict__, **task_changes})
    return train(
        task,
        experiment.dataset,
        workdir,
        loop_settings(config),
        fingerprint=run_fingerprint(config.to_dict()),
    )


def run_main(*args: str, env: dict | None = None, check: bool = False, timeout: float = 300):
    """Run ``python -m experiments.main`` in a child process; returns the CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.main", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"main failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_two_processes(module_args, env: dict, timeout: float = 300) -> list[str]:
    """Run ``python -m <module_args(i)>`` for process ids 0 and 1 at once (a multi-process
    run); assert both exit 0 and return their stdouts. Both are killed on a timeout."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", *module_args(i)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    try:
        outputs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            p.kill()
    for i, (p, (_, err)) in enumerate(zip(procs, outputs, strict=True)):
        assert p.returncode == 0, f"process {i}:\n{err[-3000:]}"
    return [out for out, _ in outputs]


@pytest.fixture
def gan_state():
    return tiny_gan_state()


def workdir_files(workdir: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file under ``workdir``, but the lock (whose holder's pid
    any command that takes it writes), to check that a failed command changed nothing."""
    import hashlib

    return {
        str(path.relative_to(workdir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(workdir).rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


def start_main(*args: str, env: dict | None = None, stderr=subprocess.DEVNULL):
    """Start ``python -m experiments.main`` in a child process; returns the Popen."""
    return subprocess.Popen(
        [sys.executable, "-m", "experiments.main", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


def kill_when(proc, ready, timeout: float = 300.0) -> None:
    """SIGKILL ``proc`` as soon as ``ready()`` holds (or when it has finished anyway)."""
    import signal
    import time

    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="session")
def inception_weights(tmp_path_factory):
    """Random FID Inception weights, converted (.npz): the plumbing's, not meaningful features."""
    from jaxgen.metrics.inception import random_variables, save_variables

    path = tmp_path_factory.mktemp("inception") / "random_inception.npz"
    save_variables(random_variables(0), path)
    return path
