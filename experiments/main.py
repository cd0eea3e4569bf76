"""Command line: parse flags, then call ``experiments.train``. No logic lives here.

    python -m experiments.main --config=experiments/configs/gan/ring8.py --workdir=runs/ring8
    python -m experiments.main --config=... --workdir=... --config.train.num_steps=200
    python -m experiments.main --config=... --workdir=... --mode=sample --num_samples=1000

Errors the user can fix print one line (``error: ...``) and exit with status 2.

Compiled steps are kept between runs in ``--compilation_cache`` (JAX's persistent cache;
default ``$JAX_COMPILATION_CACHE_DIR``, else ``~/.cache/jaxgen/xla``; empty: none; see
:mod:`experiments.compilation_cache`).
"""

from __future__ import annotations

import json
import sys

from absl import app, flags
from ml_collections import config_flags

from experiments.compilation_cache import DEFAULT_DIRECTORY, use_compilation_cache
from jaxgen.errors import JaxgenError

CONFIG = config_flags.DEFINE_config_file("config", None, "ml_collections config file")
WORKDIR = flags.DEFINE_string("workdir", None, "directory for checkpoints, metrics, figures")
MODE = flags.DEFINE_enum("mode", "train", ["train", "sample", "eval"], "what to do")
NUM_SAMPLES = flags.DEFINE_integer("num_samples", 1000, "samples to write in sample mode")
COORDINATOR = flags.DEFINE_string("coordinator", None, "host:port of process 0 (multi-host)")
NUM_PROCESSES = flags.DEFINE_integer("num_processes", 1, "processes in a multi-host run")
PROCESS_ID = flags.DEFINE_integer("process_id", 0, "this process's index (multi-host)")
CACHE = flags.DEFINE_string(
    "compilation_cache",
    DEFAULT_DIRECTORY,
    "directory keeping compiled programs between runs ('' for none)",
)


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def parse(argv: list[str]) -> None:
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
    except OSError:
        path = flags.FLAGS["config"].config_filename
        fail(f"cannot load config file {path!r}; check the --config path")


def run() -> None:
    parse(sys.argv)
    use_compilation_cache(CACHE.value)
    from experiments import train  # after flags, so --help stays fast

    try:
        if COORDINATOR.value:
            from jaxgen.core.parallel import initialize_distributed

            initialize_distributed(COORDINATOR.value, NUM_PROCESSES.value, PROCESS_ID.value)
        if MODE.value == "train":
            results = train.train_and_evaluate(CONFIG.value, WORKDIR.value)
        elif MODE.value == "sample":
            results = {"samples": str(train.sample(CONFIG.value, WORKDIR.value, NUM_SAMPLES.value))}
        else:
            results = train.evaluate(CONFIG.value, WORKDIR.value)
    except JaxgenError as err:
        fail(str(err))
    print(json.dumps(results))


if __name__ == "__main__":
    app.call_after_init(lambda: None)
    run()
