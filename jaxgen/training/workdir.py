"""One run's directory on disk: an exclusive lock, append-only journals, whole-file writes, and
a full disk said in one line.

* :class:`WorkdirLock` gives one process at a time the right to write a workdir:
  ``fcntl.flock`` on ``workdir/.lock``, which holds the holder's pid and host. The kernel drops
  the lock when its holder exits, however it exits, so a lock left by a killed process never
  blocks a resume. Opening the lock file for writing is also the check that the workdir is
  writable at all.
* A journal (``metrics.jsonl``, ``eval.jsonl``) is a file of JSON lines, one per iteration
  boundary. :func:`read_journal` drops a torn final line (one without its newline that does not
  parse: a process killed while appending it), as a database journal drops a torn record; a bad
  line before the last is damage and is refused.
* :func:`write_atomically` writes a whole file under a temporary name and renames it into
  place, so a process killed while writing leaves the old file or the new one, never half of
  one (without an fsync, a power loss may not).
* :func:`disk_full` recognises "no space left on device" however deep a library wrapped it
  (orbax raises it from its save thread inside other exception types).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
from pathlib import Path

from jaxgen.errors import JaxgenError

LOCK_NAME = ".lock"


class WorkdirLock:
    """Exclusive use of ``workdir`` by this process (see the module docstring).

    Re-entrant within a process (a sample command holds the workdir and its checkpointer
    takes it again): every lock on the same directory shares one open file, and the lock is
    released when the last of them is.
    """

    _held: dict[Path, tuple[int, int]] = {}  # directory -> (file descriptor, holders)

    def __init__(self, workdir: str | Path):
        self.workdir = Path(workdir).absolute()
        self._acquired = False

    def acquire(self) -> WorkdirLock:
        if self.workdir in self._held:
            fd, count = self._held[self.workdir]
            self._held[self.workdir] = (fd, count + 1)
            self._acquired = True
            return self
        path = self.workdir / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise JaxgenError(
                f"workdir {self.workdir} is not writable ({err.strerror}); make it writable "
                "or copy it to a writable `workdir`"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise JaxgenError(
                f"workdir {self.workdir} is in use by process {holder}; wait for it to finish "
                "or stop it, or use another `workdir`"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} on {socket.gethostname()}\n".encode(), 0)
        self._held[self.workdir] = (fd, 1)
        self._acquired = True
        return self

    def release(self) -> None:
        if not self._acquired:
            return
        self._acquired = False
        fd, count = self._held.pop(self.workdir)
        if count > 1:
            self._held[self.workdir] = (fd, count - 1)
        else:
            os.close(fd)  # closing the only descriptor releases the flock

    def __enter__(self) -> WorkdirLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def read_journal(path: Path) -> list[dict]:
    """The rows of the JSON-lines journal at ``path`` (``metrics.jsonl``, ``eval.jsonl``),
    without a torn final line; [] if there is none."""
    if not path.exists():
        return []
    text = path.read_text()
    lines = text.split("\n")
    last = lines.pop()  # "" when the file ends with its newline, else an unfinished line
    rows = []
    for number, line in enumerate(lines, start=1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            raise JaxgenError(
                f"{path} line {number} is not JSON; repair or delete that line and rerun"
            ) from None
    if last:
        try:
            rows.append(json.loads(last))  # complete but for its newline
        except json.JSONDecodeError:
            pass  # torn by a kill during its write: dropped
    return rows


def trim_journal(path: Path, iteration: int) -> None:
    """Keep the rows up to ``iteration``: drop those a run killed after it wrote past it, and
    a row the kill tore."""
    if path.exists():
        write_journal(path, [row for row in read_journal(path) if row["iteration"] <= iteration])


def write_journal(path: Path, rows: list[dict]) -> None:
    write_atomically(path, "".join(json.dumps(row) + "\n" for row in rows))


def append_journal(path: Path, row: dict) -> None:
    with path.open("a") as f:
        f.write(json.dumps(row) + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one rename (a killed process leaves the old file or the
    new)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def disk_full(err: BaseException) -> bool:
    """Whether ``err``, or an exception it was raised from, is "no space left on device"."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(err) or "ENOSPC" in str(err):
            return True
        err = err.__cause__ or err.__context__
    return False


def disk_full_error(directory: Path) -> JaxgenError:
    return JaxgenError(
        f"no space left on device in {Path(directory).absolute()}; free space and rerun to resume"
    )
