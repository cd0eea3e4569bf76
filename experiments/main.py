"""Command line: parse flags, then call ``experiments.train``. No logic lives here.

    python -m experiments.main --config=experiments/configs/gan/ring8.py --workdir=runs/ring8
    python -m experiments.main --config=... --workdir=... --config.train.num_steps=200
    python -m experiments.main --config=... --workdir=... --mode=sample --num_samples=50000
    python -m experiments.main --config=... --workdir=... --mode=eval --config.model.sampler=ddim
    python -m experiments.main --config=... --workdir=... --mode=likelihood  # flow matching

Errors the user can fix print one line (``error: ...``), naming the flag to change
(:mod:`experiments.error_text`), and exit with status 2. In a
multi-process run (``--coordinator``), each process runs its work in a watched child
(:mod:`experiments.supervisor`); a lost or missing peer is one line and exit status 3.

Compiled steps are kept between runs in ``--compilation_cache`` (JAX's persistent cache;
default ``$JAX_COMPILATION_CACHE_DIR``, else ``~/.cache/jaxgen/xla``; empty: none; see
:mod:`experiments.compilation_cache`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import warnings
from pathlib import Path

from absl import app, flags
from ml_collections import config_flags

from experiments import supervisor
from experiments.compilation_cache import DEFAULT_DIRECTORY, use_compilation_cache
from experiments.error_text import in_flags
from jaxgen.errors import JaxgenError
from jaxgen.training.workdir import disk_full, disk_full_error

CONFIG = config_flags.DEFINE_config_file("config", None, "ml_collections config file")
WORKDIR = flags.DEFINE_string("workdir", None, "directory for checkpoints, metrics, figures")
MODE = flags.DEFINE_enum("mode", "train", ["train", "sample", "eval", "likelihood"], "what to do")
NUM_SAMPLES = flags.DEFINE_integer("num_samples", 1000, "samples to write in sample mode")
PNG = flags.DEFINE_bool("png", False, "sample mode: also write each image as a PNG")
COORDINATOR = flags.DEFINE_string("coordinator", None, "host:port of process 0 (multi-host)")
NUM_PROCESSES = flags.DEFINE_integer("num_processes", 1, "processes in a multi-host run")
PROCESS_ID = flags.DEFINE_integer("process_id", 0, "this process's index (multi-host)")
JOIN_TIMEOUT = flags.DEFINE_integer(
    "join_timeout", 300, "seconds to wait for every process of a multi-host run to join"
)
HEARTBEAT_TIMEOUT = flags.DEFINE_integer(
    "heartbeat_timeout", 30, "seconds of silence after which a multi-host peer counts as lost"
)
START_AFRESH = flags.DEFINE_bool(
    "start_afresh", False, "train from iteration 0 in a workdir whose checkpoints are all damaged"
)
CACHE = flags.DEFINE_string(
    "compilation_cache",
    DEFAULT_DIRECTORY,
    "directory keeping compiled programs between runs ('' for none)",
)


def one_line_reports() -> None:
    """Warnings as one line each (``warning: ...``), without the source line Python adds; and
    none of the logs and tracebacks that orbax and asyncio print for a failed checkpoint read
    or write (a damaged checkpoint, a full disk). Each such failure reaches jaxgen as an
    exception, and is reported once: a damaged checkpoint by the checkpointer's warning, a
    full disk by the ``error:`` line."""
    warnings.formatwarning = lambda message, *_args, **_kwargs: f"warning: {message}\n"
    for name in ("absl", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    previous = sys.unraisablehook

    def hook(unraisable):
        error = unraisable.exc_value
        if not (isinstance(error, RuntimeError) and str(error) == "Event loop is closed"):
            previous(unraisable)

    sys.unraisablehook = hook


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def config_path(argv: list[str]) -> str | None:
    """The file given to ``--config`` (without a ``:parameter`` suffix), if any."""
    for i, arg in enumerate(argv):
        if arg.startswith("--config="):
            return arg.removeprefix("--config=").split(":")[0]
        if arg == "--config" and i + 1 < len(argv):
            return argv[i + 1].split(":")[0]
    return None


def check_config_file(path: str) -> None:
    """A missing or unparsable config file, said before ml_collections loads it (which raises
    from deep inside flag parsing when overrides are given)."""
    try:
        source = Path(path).read_text()
    except OSError as err:
        fail(f"cannot read config file {path!r} ({err.strerror}); check the --config path")
    except UnicodeDecodeError:
        fail(f"config file {path!r} is not UTF-8 text; give a Python config file")
    try:
        compile(source, path, "exec")
    except SyntaxError as err:
        fail(f"config file {path}:{err.lineno}: {err.msg}; fix the file")
    except ValueError as err:  # NUL bytes
        fail(f"config file {path!r} is not Python source ({err}); give a Python config file")


def parse(argv: list[str]) -> None:
    if {"--help", "-h", "-help"} & set(argv[1:]):
        print(__doc__ + "\nFlags:" + flags.FLAGS.module_help(__name__).split(":", 1)[1])
        sys.exit(0)
    path = config_path(argv)
    if path is not None:
        check_config_file(path)
    try:
        flags.FLAGS(argv)
    except flags.Error as err:
        fail(str(err).splitlines()[0])
    except (KeyError, AttributeError, ValueError, TypeError) as err:
        fail(f"bad --config override ({err}); check the key against the config file")
    if not flags.FLAGS["config"].present or WORKDIR.value is None:
        fail("--config and --workdir are required")
    try:
        CONFIG.value.to_dict()  # the config file is loaded lazily: surface its errors here
    except Exception as err:  # the file's own code failed: say where, not a traceback
        fail(f"cannot load config file {path!r} ({type(err).__name__}: {err}); fix the file")
    if not 0 <= PROCESS_ID.value < NUM_PROCESSES.value:
        fail(
            f"--process_id={PROCESS_ID.value} is not one of the {NUM_PROCESSES.value} processes "
            f"(0 to {NUM_PROCESSES.value - 1}); fix --process_id or --num_processes"
        )
    if NUM_PROCESSES.value > 1 and not COORDINATOR.value:
        fail("--num_processes > 1 needs --coordinator=host:port of process 0")
    if COORDINATOR.value and not re.fullmatch(r".+:\d+", COORDINATOR.value):
        fail(f"--coordinator={COORDINATOR.value} is not host:port; give process 0's address")
    if JOIN_TIMEOUT.value < 1 or HEARTBEAT_TIMEOUT.value < 1:
        fail("--join_timeout and --heartbeat_timeout must be at least 1 second")


def run() -> None:
    parse(sys.argv)
    if COORDINATOR.value and not supervisor.is_child():
        sys.exit(
            supervisor.run_supervised(
                process_id=PROCESS_ID.value,
                num_processes=NUM_PROCESSES.value,
                coordinator=COORDINATOR.value,
                join_timeout=JOIN_TIMEOUT.value,
                heartbeat=HEARTBEAT_TIMEOUT.value,
            )
        )
    one_line_reports()
    use_compilation_cache(CACHE.value)
    try:
        results = run_mode()
    except JaxgenError as err:
        fail(in_flags(str(err), CONFIG.value.to_dict()))
    except Exception as err:
        if disk_full(err):  # writing results or samples after training
            fail(str(disk_full_error(Path(WORKDIR.value))))
        if not (COORDINATOR.value and isinstance(err, jax_runtime_error())):
            raise
        # a collective that lost its peer: the supervisor replaces this line by the runtime's
        # verdict (which process was lost) when that follows, as it does within the heartbeat
        first = str(err).strip().splitlines()[0]
        print(
            f"{supervisor.PEER_FAILURE}{first}; if a peer process died, restart every "
            "process to resume",
            file=sys.stderr,
        )
        sys.exit(supervisor.LOST_STATUS)
    print(json.dumps(results))


def run_mode() -> dict:
    """Join the other processes (``--coordinator``), then train, sample or evaluate."""
    from experiments import train  # after flags, so --help stays fast

    if COORDINATOR.value:
        from jaxgen.core.parallel import initialize_distributed

        initialize_distributed(
            COORDINATOR.value,
            NUM_PROCESSES.value,
            PROCESS_ID.value,
            join_timeout=JOIN_TIMEOUT.value,
            heartbeat_timeout=HEARTBEAT_TIMEOUT.value,
        )
    if MODE.value == "train":
        return train.train_and_evaluate(
            CONFIG.value, WORKDIR.value, start_afresh=START_AFRESH.value
        )
    if MODE.value == "sample":
        path = train.sample(CONFIG.value, WORKDIR.value, NUM_SAMPLES.value, png=PNG.value)
        return {"samples": str(path)}
    if MODE.value == "likelihood":
        return train.likelihood(CONFIG.value, WORKDIR.value)
    return train.evaluate(CONFIG.value, WORKDIR.value)


def jax_runtime_error() -> type:
    import jax

    return jax.errors.JaxRuntimeError


if __name__ == "__main__":
    app.call_after_init(lambda: None)
    run()
