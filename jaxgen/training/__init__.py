"""The training layer: the loop and what it writes to a run's directory.

Everything here does I/O (checkpoints, JSON-lines journals, TensorBoard events, a lock, the
console); ``jaxgen.core`` and the model families never import it. A user who writes their
own loop composes steps from the families with ``jaxgen.core`` and may use the pieces here
on their own:

* :func:`train` / :class:`Task` / :class:`LoopSettings`: the loop (``jaxgen.training.loop``);
* :class:`Checkpointer`: checked orbax checkpoints of a state (``jaxgen.training.checkpoint``);
* :class:`WorkdirLock` and the journals (``jaxgen.training.workdir``; :func:`read_journal`
  reads ``metrics.jsonl`` and ``eval.jsonl`` back);
* :class:`EventLog`: TensorBoard event files (``jaxgen.training.tensorboard``).
"""

from jaxgen.training.checkpoint import Checkpointer
from jaxgen.training.loop import LoopSettings, Task, train
from jaxgen.training.tensorboard import EventLog
from jaxgen.training.workdir import WorkdirLock, read_journal

__all__ = [
    "Checkpointer",
    "EventLog",
    "LoopSettings",
    "Task",
    "WorkdirLock",
    "read_journal",
    "train",
]
