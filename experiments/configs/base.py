"""Settings shared by every experiment; family configs override them.

Keys in ``RESUMABLE_KEYS`` and sections in ``RESUMABLE_SECTIONS`` may change when a run is
resumed, sampled or evaluated in the same workdir: run length, logging, determinism, the
backend choices a run records under ``backend``, the whole ``eval`` section, and the
sampler's settings (read only when sampling). The rest of the config is the run's fingerprint
(:func:`run_fingerprint`), and any difference in it makes the workdir refuse the run.
"""

import dataclasses
import importlib

from ml_collections import ConfigDict

from jaxgen.core.backend import BackendChoices

BACKEND_KEYS = frozenset(f"backend.{f.name}" for f in dataclasses.fields(BackendChoices))

# the sampler and its settings: chosen again at sample and eval time
SAMPLER_KEYS = frozenset(
    {
        "model.sampler",  # diffusion: ancestral or DDIM
        "model.sample_steps",  # diffusion: respaced steps; flow matching: fixed ODE steps
        "model.eta",  # diffusion: DDIM's η
        "model.guidance",  # diffusion: classifier-free guidance's w
        "model.sample_classes",  # conditional models: the classes samples are drawn for
        "model.temperature",  # flows: z ~ N(0, T² I)
        "model.solver",  # flow matching: the ODE solver
        "model.rtol",  # flow matching: Dopri5's tolerances and step budget
        "model.atol",
        "model.max_steps",
    }
)

RESUMABLE_KEYS = frozenset(
    {
        "train.num_steps",
        "train.log_every",
        "train.eval_every",
        "train.checkpoint_every",
        "train.keep_checkpoints",
        "train.progress",
        "train.deterministic",
    }
    | SAMPLER_KEYS
    | BACKEND_KEYS
)
RESUMABLE_SECTIONS = frozenset({"eval"})


def run_fingerprint(config: dict) -> dict:
    """The nested ``config`` without its ``RESUMABLE_KEYS`` and ``RESUMABLE_SECTIONS``: what a
    workdir's checkpointer compares (:class:`jaxgen.training.Checkpointer`)."""

    def kept(tree: dict, prefix: str) -> dict:
        return {
            key: kept(value, f"{prefix}{key}.") if isinstance(value, dict) else value
            for key, value in tree.items()
            if f"{prefix}{key}" not in RESUMABLE_KEYS | RESUMABLE_SECTIONS
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
    config.eval = ConfigDict(
        {
            "num_samples": 2500,  # samples per evaluation (papers' FID: 10,000 or 50,000)
            "sample_batch": 500,  # samples drawn per sampler call (eval and --mode=sample)
            # digits and image data: fid, is, kid, pr (precision/recall); "" for none
            "metrics": "fid,is,kid",
            # image data other than the digits: the FID Inception's weights (pytorch-fid's
            # pt_inception-2015-12-05-6726825d.pth or its converted .npz; "": read
            # $JAXGEN_INCEPTION_WEIGHTS) and the reference statistics ("": the dataset's
            # reference_split, computed once into jaxgen's cache)
            "inception_weights": "",
            "reference_stats": "",
            "reference_split": "train",  # CIFAR-10's FID compares with the training set
            "feature_batch": 50,  # Inception images per device per call
        }
    )
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
