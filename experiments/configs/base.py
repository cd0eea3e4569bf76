"""Settings shared by every experiment; family configs override them.

Keys in ``RESUMABLE_KEYS`` may change when a run is resumed in the same workdir (run length,
logging, determinism, and the backend choices a run records under ``backend``); the rest of
the config is the run's fingerprint (:func:`run_fingerprint`), and any difference in it makes
the workdir refuse the run.
"""

import dataclasses
import importlib

from ml_collections import ConfigDict

from jaxgen.core.backend import BackendChoices

BACKEND_KEYS = frozenset(f"backend.{f.name}" for f in dataclasses.fields(BackendChoices))

RESUMABLE_KEYS = frozenset(
    {
        "train.num_steps",
        "train.log_every",
        "train.eval_every",
        "train.checkpoint_every",
        "train.keep_checkpoints",
        "train.progress",
        "train.deterministic",
        "eval.num_samples",
        "model.temperature",  # a flow's sampling temperature: read only when sampling
    }
    | BACKEND_KEYS
)


def run_fingerprint(config: dict) -> dict:
    """The nested ``config`` without its ``RESUMABLE_KEYS``: what a workdir's checkpointer
    compares (:class:`jaxgen.training.Checkpointer`)."""

    def kept(tree: dict, prefix: str) -> dict:
        return {
            key: kept(value, f"{prefix}{key}.") if isinstance(value, dict) else value
            for key, value in tree.items()
            if f"{prefix}{key}" not in RESUMABLE_KEYS
        }

    return kept(config, "")


def base_config() -> ConfigDict:
    config = ConfigDict()
    config.family = ""
    config.seed = 0
    config.data = ConfigDict({"name": "", "batch_size": 256})
    config.train = ConfigDict(
        {
            "num_steps": 1000,
            "steps_per_dispatch": 1,
            "unroll": False,
            "compute_dtype": "float32",
            # bitwise-equal reruns on GPU too (jaxgen.core.backend); false lets XLA autotune
            "deterministic": True,
            "log_every": 100,
            "eval_every": 0,
            "checkpoint_every": 500,
            "keep_checkpoints": 3,
            "progress": True,
        }
    )
    config.eval = ConfigDict({"num_samples": 2500})
    return config


def config_with_overrides(module: str, overrides: dict, owner: str) -> ConfigDict:
    """``module.get_config()`` with ``{"section.key": value}`` overrides applied; a key the
    config does not have is refused, naming ``owner`` (who asked for it)."""
    config = importlib.import_module(module).get_config()
    for path, value in overrides.items():
        section, key = path.rsplit(".", 1)
        if key not in config[section]:
            raise KeyError(f"{owner}: {path} is not a key of {module}")
        config[section][key] = value
    return config
