"""The training loop: jit the step once, feed deterministic batches, log, checkpoint, resume.

Iteration ``i`` (0-based) of a run calls the task's step once on the batches numbered
``i·k … i·k + k − 1`` of the dataset's deterministic schedule (``k`` = ``task.sub_batches``,
1 when the step takes a single batch). ``steps_per_dispatch`` iterations run per call of the
compiled function under ``scan_steps``. A checkpoint is named by the number of iterations done,
so a restarted run continues with the next batch and, because update ``n`` draws from
``fold_in(key, n)``, ends bit-for-bit where an uninterrupted run ends (same device count).

Metrics stay on the device until a log, checkpoint or eval boundary, where they are fetched,
checked for non-finite values (``guard_nonfinite``), averaged over the interval and appended to
``workdir/metrics.jsonl``. A non-finite metric stops the run with :class:`NonFiniteError`
before anything after it is saved.

At an evaluation boundary the figures are drawn, then the row appended to ``eval.jsonl``; a
run resumed at a checkpoint whose evaluation row is missing (killed between the two) redoes
them, so a killed run's journals and figures end as an uninterrupted run's do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
from tqdm import tqdm

from jaxgen.core import compiler, parallel
from jaxgen.core.combinators import NONFINITE, StepFn, guard_nonfinite, nonfinite_metric_name
from jaxgen.core.combinators import scan_steps as scan_steps_fn
from jaxgen.data.batching import dispatch_batch, leading_axes
from jaxgen.data.prefetch import Prefetcher
from jaxgen.errors import JaxgenError, NonFiniteError
from jaxgen.training.checkpoint import Checkpointer
from jaxgen.training.tensorboard import EventLog
from jaxgen.training.workdir import (
    append_journal,
    disk_full,
    disk_full_error,
    read_journal,
    trim_journal,
)


@dataclass(frozen=True)
class Task:
    """What the loop needs from a model family.

    ``init_state(seed)`` builds a fresh state; ``step`` is one training iteration;
    ``sub_batches`` is the length of the leading axis the step expects on its batch (``k`` of
    ``alternate``), or None for a plain batch. ``input_shape`` is the shape of one example the
    networks were built for; the loop refuses a dataset of another shape.
    ``evaluate(state, dataset)`` returns scalar metrics and
    ``write_figures(state, directory, tag)`` draws samples; both are optional.
    """

    init_state: Callable[[int], Any]
    step: StepFn
    input_shape: tuple[int, ...]
    sub_batches: int | None = None
    evaluate: Callable[[Any, Any], dict[str, float]] | None = None
    write_figures: Callable[[Any, Path, str], None] | None = None


@dataclass(frozen=True)
class LoopSettings:
    """How long a run trains and how often it logs, evaluates and checkpoints.

    Attributes:
      num_steps: the iterations of the run.
      batch_size: the global batch size (split across devices and processes).
      seed: the seed of the state (``task.init_state(seed)``).
      steps_per_dispatch: iterations per call of the compiled function (``scan_steps``);
        ``num_steps`` and the intervals must be multiples of it.
      unroll: unroll that scan (XLA:CPU needs it for convolutional steps).
      log_every: append the interval's averaged metrics to ``metrics.jsonl`` every this
        many iterations.
      eval_every: evaluate and draw figures every this many iterations and at the end (0:
        never).
      checkpoint_every: save a checkpoint every this many iterations and at the end.
      keep_checkpoints: how many of the newest checkpoints to keep.
      progress: show a progress bar (process 0 only).
      prefetch: how many dispatches' batches are made and transferred ahead on a background
        thread.
    """

    num_steps: int
    batch_size: int
    seed: int = 0
    steps_per_dispatch: int = 1
    unroll: bool = False
    log_every: int = 100
    eval_every: int = 0
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    progress: bool = True
    prefetch: int = 2

    def validate(self) -> None:
        for name in ("num_steps", "batch_size", "steps_per_dispatch", "log_every", "prefetch"):
            if getattr(self, name) < 1:
                raise JaxgenError(f"`{name}`={getattr(self, name)} must be at least 1; raise it")
        if self.checkpoint_every < 1 or self.keep_checkpoints < 1:
            raise JaxgenError(
                f"`checkpoint_every`={self.checkpoint_every} and `keep_checkpoints`="
                f"{self.keep_checkpoints} must be at least 1, or nothing would be kept; raise them"
            )
        if self.eval_every < 0:
            raise JaxgenError(
                f"`eval_every`={self.eval_every} is negative; use 0 for no evaluation"
            )
        n = self.steps_per_dispatch
        for name in ("log_every", "checkpoint_every", "eval_every", "num_steps"):
            value = getattr(self, name)
            if value % n:
                raise JaxgenError(
                    f"`{name}`={value} is not a multiple of `steps_per_dispatch`={n}; make it one"
                )

    def evaluates_at(self, iteration: int) -> bool:
        return bool(self.eval_every) and (
            iteration % self.eval_every == 0 or iteration == self.num_steps
        )


def check_input_shape(dataset, task: Task) -> None:
    if tuple(dataset.element_shape) != tuple(task.input_shape):
        raise JaxgenError(
            f"dataset {dataset.name!r} gives examples of shape {tuple(dataset.element_shape)} "
            f"but the model was built for {tuple(task.input_shape)}; "
            "make the data and model settings agree"
        )


def device_batches(dataset, settings: LoopSettings, sub_batches, mesh, firsts) -> Prefetcher:
    """The batches of the dispatches that start at the iterations ``firsts``, on the mesh,
    ``settings.prefetch`` of them made and transferred ahead on a background thread."""
    rows = parallel.process_rows(settings.batch_size)
    layout = {"steps_per_dispatch": settings.steps_per_dispatch, "sub_batches": sub_batches}

    def device_batch(first: int):
        batch = dispatch_batch(
            dataset, first_iteration=first, batch_size=settings.batch_size, rows=rows, **layout
        )
        return parallel.put_batch(batch, mesh, leading_axes(**layout))

    return Prefetcher(device_batch, firsts, depth=settings.prefetch)


class MetricsLog:
    """Device metrics of recent dispatches; fetched and written at interval boundaries."""

    def __init__(self, path: Path, writer: bool, events: EventLog):
        self.path = path
        self.writer = writer
        self.events = events
        self.pending: list[tuple[int, dict]] = []
        self.last_time = time.perf_counter()
        self.last_iteration: int | None = None

    def add(self, first_iteration: int, metrics: dict) -> None:
        self.pending.append((first_iteration, metrics))

    def flush(self, done: int) -> dict[str, float]:
        """Fetch pending metrics, raise on a non-finite one, append their mean; return it."""
        if not self.pending:
            return {}
        fetched = [(i, jax.device_get(m)) for i, m in self.pending]
        self.pending = []
        for first, metrics in fetched:
            flags = np.atleast_1d(metrics[NONFINITE])
            bad = np.flatnonzero(flags >= 0)
            if bad.size:
                name = nonfinite_metric_name(metrics, int(flags[bad[0]]))
                raise NonFiniteError(
                    f"non-finite {name} at iteration {first + int(bad[0]) + 1}; the run stopped "
                    "and its last good checkpoint is kept; "
                    "lower the learning rate or check the data"
                )
        names = [k for k in fetched[0][1] if k != NONFINITE]
        summary = {k: float(np.mean([np.mean(m[k]) for _, m in fetched])) for k in names}
        now = time.perf_counter()
        start = self.last_iteration if self.last_iteration is not None else fetched[0][0]
        summary["steps_per_sec"] = (done - start) / max(now - self.last_time, 1e-9)
        self.last_time, self.last_iteration = now, done
        if self.writer:
            append_journal(self.path, {"iteration": done, **summary})
            self.events.scalars("train", summary, done)
        return summary


def train(
    task: Task,
    dataset,
    workdir: str | Path,
    settings: LoopSettings,
    *,
    fingerprint: dict,
    start_afresh: bool = False,
) -> Any:
    """Train ``task`` on ``dataset`` in ``workdir``, resuming from its latest good checkpoint.

    Args:
      task: the family's state, step and evaluation (:class:`Task`).
      dataset: a ``jaxgen.data`` dataset whose examples have ``task.input_shape``.
      workdir: the run's directory (checkpoints, journals, figures, TensorBoard events).
      settings: run length, batch size, seed and the logging, evaluation and checkpoint
        intervals (:class:`LoopSettings`).
      fingerprint: a JSON object identifying the run (:class:`Checkpointer`); a workdir
        holding another run's is refused.
      start_afresh: train from iteration 0 in a workdir whose checkpoints are all damaged
        (they stay in ``damaged/``); without it such a workdir is refused.

    Returns:
      the state after ``settings.num_steps`` iterations.

    A full disk stops the run with a :class:`JaxgenError`; the checkpoints written before it
    are kept.
    """
    settings.validate()
    check_input_shape(dataset, task)
    run = open_run(task, dataset, Path(workdir), settings, fingerprint)
    try:
        state = _train(run, start_afresh)
        run.checkpointer.close()  # waits for the last save, which may fail as well
        run.events.close()
        return state
    except BaseException as err:  # Ctrl-C too: the lock is released, a partial save removed
        run.checkpointer.abort()
        run.events.close(quietly=True)
        if disk_full(err):
            raise disk_full_error(run.workdir) from None
        raise


def open_run(task: Task, dataset, workdir: Path, settings: LoopSettings, fingerprint: dict):
    """The run's mesh, its workdir locked and checked against ``fingerprint``, and its event
    log (written by process 0)."""
    mesh = parallel.data_mesh()
    parallel.check_batch_size(settings.batch_size, mesh)
    writer = jax.process_index() == 0
    return Run(
        task=task,
        dataset=dataset,
        workdir=workdir,
        settings=settings,
        mesh=mesh,
        checkpointer=Checkpointer(workdir, fingerprint=fingerprint, keep=settings.keep_checkpoints),
        events=EventLog(workdir, enabled=writer),
        writer=writer,
    )


@dataclass(frozen=True, kw_only=True)
class Run:
    """What one call of :func:`train` works with."""

    task: Task
    dataset: Any
    workdir: Path
    settings: LoopSettings
    mesh: jax.sharding.Mesh
    checkpointer: Checkpointer
    events: EventLog
    writer: bool  # process 0, which writes the journals, figures and events

    def evaluate(self, state, iteration: int) -> None:
        evaluate_and_draw(
            self.task, state, self.dataset, self.workdir, iteration, self.writer, self.events
        )


def _start(run: Run, start_afresh: bool) -> tuple[Any, int]:
    """The state to train from and its iteration: the latest good checkpoint's, or a fresh
    one; the journals trimmed to it and an evaluation a kill interrupted redone."""
    state = parallel.init_replicated(lambda: run.task.init_state(run.settings.seed), run.mesh)
    restored = run.checkpointer.restore_latest(state)
    start = 0
    if restored is not None:
        state, start = restored
    elif parallel.agree(bool(run.checkpointer.damaged())) and not start_afresh:
        raise run.checkpointer.nothing_intact("rerun with `start_afresh` to train from iteration 0")
    if run.writer:
        trim_journal(run.workdir / "metrics.jsonl", start)
        trim_journal(run.workdir / "eval.jsonl", start)
        if start:
            say(f"resumed from iteration {start}")
    run.events.open(start)
    if start and run.settings.evaluates_at(start) and not evaluated(run.workdir, start):
        # killed after this checkpoint committed and before its evaluation was written
        run.evaluate(state, start)
    return state, start


def compiled_step(task: Task, settings: LoopSettings, mesh) -> Callable:
    """The task's step guarded against non-finite metrics, ``steps_per_dispatch`` of them
    per call, compiled with the state donated and replicated over the mesh."""
    step = guard_nonfinite(task.step)
    if settings.steps_per_dispatch > 1:
        step = scan_steps_fn(step, settings.steps_per_dispatch, unroll=settings.unroll)
    return compiler.jit(step, donate_argnums=0, out_shardings=parallel.replicated(mesh))


def update_count(state) -> int | None:
    """The state's ``step`` as a host integer (None for a state without one)."""
    step = getattr(state, "step", None)
    return None if step is None else int(np.asarray(step.addressable_data(0)))


def check_advanced(before: int | None, state, metrics: dict) -> None:
    """Refuse a step that left ``state.step`` where it was (unless a non-finite metric made
    :func:`guard_nonfinite` keep the old state, which the metrics log then reports)."""
    if before is None or np.any(np.asarray(jax.device_get(metrics[NONFINITE])) >= 0):
        return
    if update_count(state) <= before:
        raise JaxgenError(
            f"the task's step left `state.step` at {before}: every update must advance it "
            "(jaxgen.core.state.advance), or the next one draws the same random numbers"
        )


def _train(run: Run, start_afresh: bool):
    settings = run.settings
    state, start = _start(run, start_afresh)
    log = MetricsLog(run.workdir / "metrics.jsonl", run.writer, run.events)
    log.last_iteration = start
    compiled = compiled_step(run.task, settings, run.mesh)
    n = settings.steps_per_dispatch
    bar = tqdm(
        total=settings.num_steps,
        initial=start,
        disable=not (settings.progress and run.writer),
        mininterval=1.0,
        dynamic_ncols=True,
    )
    firsts = range(start, settings.num_steps, n)
    with device_batches(run.dataset, settings, run.task.sub_batches, run.mesh, firsts) as batches:
        for first, batch in zip(firsts, batches, strict=True):
            if first == start:
                parallel.compile_then_meet(compiled, state, batch)
                before = update_count(state)
            state, metrics = compiled(state, batch)
            if first == start:
                check_advanced(before, state, metrics)
            log.add(first, metrics)
            bar.update(n)
            _at_boundaries(run, log, bar, state, first + n)
    bar.close()
    return state


def _at_boundaries(run: Run, log: MetricsLog, bar, state, done: int) -> None:
    """Log, checkpoint and evaluate after iteration ``done`` where their intervals end."""
    settings = run.settings
    last = done == settings.num_steps
    if done % settings.log_every == 0 or last:
        summary = log.flush(done)
        bar.set_postfix({k: f"{v:.4g}" for k, v in summary.items()}, refresh=False)
    if done % settings.checkpoint_every == 0 or last:
        log.flush(done)
        run.checkpointer.save(done, state)
        run.events.flush()
    if settings.evaluates_at(done):
        log.flush(done)
        run.evaluate(state, done)


def evaluated(workdir: Path, iteration: int) -> bool:
    """Whether ``eval.jsonl`` has the row of ``iteration``, as process 0 reads it (every
    process must then agree on whether to evaluate)."""
    has_row = any(row["iteration"] == iteration for row in read_journal(workdir / "eval.jsonl"))
    return parallel.agree(has_row)


def evaluate_and_draw(
    task: Task,
    state,
    dataset,
    workdir: Path,
    iteration: int,
    writer: bool,
    events: EventLog | None = None,
) -> dict[str, float]:
    """Draw figures under ``figures/``, then append ``task.evaluate`` to ``eval.jsonl``: the row
    is written last, so a run killed before it redoes both on resume. Prints the numbers,
    adds figures and numbers to ``events`` if given, and returns the numbers."""
    tag = f"{iteration:08d}"
    if task.write_figures is not None and writer:
        (workdir / "figures").mkdir(exist_ok=True)
        task.write_figures(state, workdir / "figures", tag)
        if events is not None:
            events.figures(sorted((workdir / "figures").glob(f"*_{tag}.png")), iteration, tag)
    if task.evaluate is None:
        return {}
    results = task.evaluate(state, dataset)
    if writer:
        if events is not None:
            events.scalars("eval", results, iteration)
            events.flush()
        append_journal(workdir / "eval.jsonl", {"iteration": iteration, **results})
        numbers = ", ".join(
            f"{k} {v:.4g}" if isinstance(v, int | float) else f"{k} {v}" for k, v in results.items()
        )
        say(f"evaluation at iteration {iteration}: {numbers}")
    return results


def say(line: str) -> None:
    """One line on the console, above the progress bar."""
    tqdm.write(line)
