"""TensorBoard event files beside a run's journals: ``workdir/tensorboard/``.

Written with tensorboardX (no TensorFlow): the train scalars of each log row under
``train/<name>``, each evaluation's numbers under ``eval/<name>``, and the figures an
evaluation draws (``figures/*_<iteration>.png``) as images under ``samples/<name>``, all at
the iteration as the step. A run that starts (or resumes) at iteration n opens the log with
``purge_step`` n + 1, so TensorBoard drops what an earlier, killed run wrote after that point,
as the loop trims ``metrics.jsonl``.

The events are a view, written on tensorboardX's background thread; ``metrics.jsonl`` and
``eval.jsonl`` are the record. A run killed between two of the writer's flushes loses the
events of that interval (the journals keep them). A failure to write events warns once and
stops the events, never the run; a full disk is raised, as it stops every other write of the
run, and the loop reports it in one line.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from jaxgen.training.workdir import disk_full

QUEUE = 10_000  # events waiting for the writer's thread before a write blocks


class EventLog:
    """One process's TensorBoard writer for a run: process 0's; in other processes
    (``enabled=False``) every call does nothing. Nothing is written before :meth:`open`;
    the event files go to ``workdir/tensorboard``."""

    def __init__(self, workdir: Path, *, enabled: bool = True):
        self.directory = Path(workdir) / "tensorboard"
        self.enabled = enabled
        self.writer = None

    def open(self, start: int) -> None:
        """Start writing, as a run that begins (or resumes) at iteration ``start``."""
        if not self.enabled:
            return
        try:
            from tensorboardX import SummaryWriter

            self.writer = SummaryWriter(
                str(self.directory), purge_step=start + 1, max_queue=QUEUE, flush_secs=30
            )
        except Exception as err:  # noqa: BLE001  (events are a view; the run goes on)
            if disk_full(err):
                raise
            self._stop(err)

    def scalars(self, group: str, values: dict, step: int) -> None:
        """The numeric ``values`` as scalars ``<group>/<name>`` at ``step``."""
        for name, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self._safely(
                    lambda n=name, v=value: self.writer.add_scalar(f"{group}/{n}", v, step)
                )

    def figures(self, paths: list[Path], step: int, tag: str) -> None:
        """Each PNG ``<name>_<tag>.png`` as the image ``samples/<name>`` at ``step``."""
        for path in paths:
            self._safely(lambda p=path: self._add_figure(p, step, tag))

    def _add_figure(self, path: Path, step: int, tag: str) -> None:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
        name = path.stem.removesuffix(f"_{tag}")
        self.writer.add_image(f"samples/{name}", pixels, step, dataformats="HWC")

    def flush(self) -> None:
        """Flush the event file (events still queued for the writer's thread go at its next
        flush or at :meth:`close`)."""
        self._safely(lambda: self.writer.flush())

    def close(self, *, quietly: bool = False) -> None:
        """Write every queued event and close the file; ``quietly``: never raise or warn (for
        a run that is stopping on another error)."""
        if quietly:
            with contextlib.suppress(Exception):
                if self.writer is not None:
                    self.writer.close()
        else:
            self._safely(lambda: self.writer.close())
        self.writer = None

    def _safely(self, write) -> None:
        """``write()`` if the log is open; on failure, warn once and stop writing events, or
        on a full disk stop them and raise."""
        if self.writer is None:
            return
        try:
            write()
        except Exception as err:  # noqa: BLE001  (events are a view; the run goes on)
            if disk_full(err):
                self.writer = None
                raise
            self._stop(err)

    def _stop(self, err: Exception) -> None:
        warnings.warn(
            f"TensorBoard events in {self.directory} stopped ({err}); "
            "metrics.jsonl and eval.jsonl are still written",
            stacklevel=3,
        )
        self.writer = None
