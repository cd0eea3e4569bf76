"""TensorBoard event files beside a run's journals: ``workdir/tensorboard/``.

Written with tensorboardX (no TensorFlow): the train scalars of each log row under
``train/<name>``, each evaluation's numbers under ``eval/<name>``, and the figures an
evaluation draws (``figures/*_<iteration>.png``) as images under ``samples/<name>``, all at
the iteration as the step. A run resumed at iteration n opens the log with ``purge_step`` n + 1,
so TensorBoard drops what a killed run wrote after that checkpoint, as the loop trims
``metrics.jsonl``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


class EventLog:
    """One process's TensorBoard writer for a run: process 0's; in other processes
    (``enabled=False``) every call does nothing. Nothing is written before :meth:`open`."""

    def __init__(self, workdir: Path, *, enabled: bool = True):
        self.directory = Path(workdir) / "tensorboard"
        self.enabled = enabled
        self.writer = None

    def open(self, start: int) -> None:
        """Start writing, as a run that begins (or resumes) at iteration ``start``."""
        if self.enabled:
            from tensorboardX import SummaryWriter

            self.writer = SummaryWriter(
                str(self.directory), purge_step=start + 1 if start else None, flush_secs=30
            )

    def scalars(self, group: str, values: dict, step: int) -> None:
        """The numeric ``values`` as scalars ``<group>/<name>`` at ``step``."""
        if self.writer is None:
            return
        for name, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.writer.add_scalar(f"{group}/{name}", value, step)

    def figures(self, paths: list[Path], step: int) -> None:
        """Each PNG as an image named by its file name without the iteration tag."""
        if self.writer is None:
            return
        for path in paths:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"))
            name = path.stem.removesuffix(f"_{step:08d}")
            self.writer.add_image(f"samples/{name}", pixels, step, dataformats="HWC")

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
