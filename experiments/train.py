"""``train_and_evaluate(config, workdir)`` and the sample and eval modes, importable and tested.

This is the only place where a config is read: it is turned into typed arguments for the
library here.
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import contextmanager, nullcontext
from pathlib import Path

import jax
import matplotlib
import numpy as np

matplotlib.use("Agg")  # runs draw their figures to files, with or without a display

from experiments.configs.base import run_fingerprint  # noqa: E402
from experiments.families import FAMILIES, family
from experiments.families.common import Experiment
from jaxgen.core import backend
from jaxgen.data.sample_files import write_samples
from jaxgen.errors import JaxgenError
from jaxgen.training.checkpoint import Checkpointer, require_checkpoints
from jaxgen.training.loop import LoopSettings, evaluate_and_draw, train
from jaxgen.training.sampling import draw_in_chunks
from jaxgen.training.workdir import WorkdirLock, write_atomically
from jaxgen.viz import save_metrics_figure, save_samples_figure


def build_experiment(config) -> Experiment:
    """The config's experiment, its programs compiled with ``train.deterministic`` applied."""
    backend.set_deterministic(config.train.deterministic)
    if config.family not in FAMILIES:
        raise JaxgenError(
            f"unknown model family {config.family!r}; choose one of: {', '.join(FAMILIES)}"
        )
    return family(config.family).build(config)


def loop_settings(config) -> LoopSettings:
    t = config.train
    return LoopSettings(
        num_steps=t.num_steps,
        batch_size=config.data.batch_size,
        seed=config.seed,
        steps_per_dispatch=t.steps_per_dispatch,
        unroll=t.unroll,
        log_every=t.log_every,
        eval_every=t.eval_every,
        checkpoint_every=t.checkpoint_every,
        keep_checkpoints=t.keep_checkpoints,
        progress=t.progress,
    )


class LastEvaluation:
    """``task.evaluate`` that remembers the state it last evaluated and the results, so the
    final state, which the loop evaluates at its last step, is not evaluated twice (for DDPM on
    the digits that is 1000 DDIM samples and their Fréchet distance, about 20 s here)."""

    def __init__(self, evaluate):
        self._evaluate = evaluate
        self._state = self._results = None

    def __call__(self, state, dataset) -> dict[str, float]:
        self._state, self._results = state, self._evaluate(state, dataset)
        return self._results

    def of(self, state, dataset) -> dict[str, float]:
        """The results for ``state``: remembered if it was the last state evaluated."""
        return self._results if state is self._state else self(state, dataset)


def train_and_evaluate(config, workdir: str | Path, *, start_afresh: bool = False) -> dict:
    """Train (resuming if the workdir holds a run), then evaluate; returns the final results.
    ``start_afresh`` trains from iteration 0 in a workdir whose checkpoints are all damaged.

    Writes ``results.json``, the loss curves and ``config.json`` (the whole config, with the
    backend choices of the run under ``backend``) when the run ends."""
    workdir = Path(workdir)
    experiment = build_experiment(config)
    if experiment.prepare is not None:
        experiment.prepare()
    task = experiment.task
    evaluation = LastEvaluation(task.evaluate) if task.evaluate is not None else None
    state = train(
        dataclasses.replace(task, evaluate=evaluation),
        experiment.dataset,
        workdir,
        loop_settings(config),
        fingerprint=run_fingerprint(config.to_dict()),
        start_afresh=start_afresh,
    )
    results = evaluation.of(state, experiment.dataset) if evaluation is not None else {}
    if jax.process_index() == 0:
        record = {**config.to_dict(), "backend": backend.choices().record()}
        write_atomically(workdir / "config.json", json.dumps(record, indent=2, sort_keys=True))
        write_atomically(workdir / "results.json", json.dumps(results, indent=2))
        if (workdir / "metrics.jsonl").exists():
            save_metrics_figure(workdir / "metrics.jsonl", workdir / "loss_curves.png")
    return results


def restore_trained(config, workdir: Path, experiment: Experiment):
    """The newest good checkpoint's state, or an error saying to train first."""
    checkpointer = Checkpointer(
        workdir, fingerprint=run_fingerprint(config.to_dict()), async_save=False, create=False
    )
    try:
        # the restore needs only the state's structure, shapes and dtypes, and a device: no
        # initial state is computed (which would compile its initialisation)
        on_one = jax.sharding.SingleDeviceSharding(jax.local_devices()[0])
        template = jax.tree.map(
            lambda s: jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=on_one),
            jax.eval_shape(lambda: experiment.task.init_state(config.seed)),
        )
        restored = checkpointer.restore_latest(template)
    finally:
        checkpointer.close()
    if restored is None:
        raise checkpointer.nothing_intact("train first")
    return restored


@contextmanager
def exclusive(workdir: Path):
    """The workdir held by process 0 for a whole sample or eval command, whose files it writes
    after the restore (the checkpointer takes the same lock again)."""
    require_checkpoints(workdir)
    with WorkdirLock(workdir) if jax.process_index() == 0 else nullcontext():
        yield


def sample(
    config, workdir: str | Path, num_samples: int, *, png: bool = False, progress: bool = True
) -> Path:
    """Draw ``num_samples`` from the newest checkpoint, ``eval.sample_batch`` at a time from
    the key ``seed + 2``, with the config's sampler settings (which may differ from training's:
    :data:`experiments.configs.base.SAMPLER_KEYS`). Writes ``samples.npz`` (``arr_0``: images
    as uint8 (N, H, W, C), toy data as float32 (N, d); :mod:`jaxgen.data.sample_files`), a
    figure of the first 100, and with ``png`` one PNG per image under ``samples/``."""
    if num_samples < 1:
        raise JaxgenError(f"`num_samples`={num_samples} draws nothing; ask for at least 1")
    workdir = Path(workdir)
    experiment = build_experiment(config)
    with exclusive(workdir):
        state, iteration = restore_trained(config, workdir, experiment)
        chunks = draw_in_chunks(
            experiment.sample,
            state,
            jax.random.key(config.seed + 2),
            num_samples,
            config.eval.sample_batch,
            progress=progress and jax.process_index() == 0,
        )
        if jax.process_index() != 0:
            for _ in chunks:  # every process runs the sampler's collectives
                pass
            return workdir / "samples.npz"
        x = write_samples(
            chunks,
            workdir / "samples.npz",
            num_samples,
            png_dir=workdir / "samples" if png else None,
        )
        if x.ndim == 4:
            x = x.astype(np.float32) / 255
        title = f"{config.family} samples, iteration {iteration}"
        save_samples_figure(x, workdir / "samples.png", title=title)
    return workdir / "samples.npz"


def likelihood(config, workdir: str | Path) -> dict:
    """The test log-likelihood of the newest checkpoint by its ODE (``eval.likelihood``'s
    trace, no samples drawn); writes nothing. A model without an ODE is refused."""
    experiment = build_experiment(config)
    if experiment.likelihood is None:
        raise JaxgenError(
            f"--mode=likelihood needs a model with an ODE (the flow_matching family), and a "
            f"{config.family} model has none; use --mode=eval (flows report their exact test "
            "NLL there, DDPMs their variational bound)"
        )
    with exclusive(Path(workdir)):
        state, iteration = restore_trained(config, Path(workdir), experiment)
        return {"iteration": iteration, **experiment.likelihood(state)}


def evaluate(config, workdir: str | Path) -> dict:
    """Evaluate the newest checkpoint; appends to ``eval.jsonl`` and returns the numbers."""
    workdir = Path(workdir)
    experiment = build_experiment(config)
    if experiment.prepare is not None:
        experiment.prepare()
    with exclusive(workdir):
        state, iteration = restore_trained(config, workdir, experiment)
        writer = jax.process_index() == 0
        return evaluate_and_draw(
            experiment.task, state, experiment.dataset, workdir, iteration, writer
        )
