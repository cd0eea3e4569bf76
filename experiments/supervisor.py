"""One process of a multi-process run, watched by a parent that says in one line why it died.

JAX's distributed runtime ends a process from C++ (a fatal log and a stack dump, no Python
exception) when a peer stops sending heartbeats, when the coordinator goes away, and when not
every process registers within the join timeout. Nothing inside the process can catch that.
So ``experiments.main`` with ``--coordinator`` runs its work in a child process and watches its
standard error. The child's output passes through, but a runtime log line, and what follows
it, is held back for two seconds: long enough to see whether it ends in that fatal log. A
collective that fails in Python (Gloo's all-reduce, its peer gone) is the child's own
``error:`` line, held until the child ends, as the runtime's verdict comes after it. If the
fatal log comes, the parent prints one line naming the process that was lost (or did not
arrive) instead, and exits with status 3. The checkpoints are untouched by this: the last one
committed stays, and a half-written one is removed when the run restarts.

The child is killed with its parent (``PR_SET_PDEATHSIG``), so a parent killed by SIGKILL is a
lost process to its peers, as it would be without the parent.
"""

from __future__ import annotations

import ctypes
import io
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time

CHILD = "JAXGEN_SUPERVISED_CHILD"
FATAL = "Terminating process because the JAX distributed service detected fatal errors"
LOG_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\] ")  # absl's C++ log prefix
LOST_STATUS = 3
HOLD_S = 2.0  # the fatal log follows the runtime's error lines within milliseconds
PEER_FAILURE = "error: a collective operation failed: "  # the child's line for a lost peer
PR_SET_PDEATHSIG = 1


def _read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def is_child() -> bool:
    return os.environ.get(CHILD) == "1"


def _start_child() -> None:
    """In the child before it runs: die with the parent, and take Ctrl-C as Python does."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class HeldLines:
    """The child's standard error, passed on line by line except for the runtime's log lines
    and what follows them within ``HOLD_S``, held in case its fatal log follows (then kept,
    with the fatal log, for the verdict). A ``PEER_FAILURE`` line is held until the child
    ends."""

    def __init__(self):
        self.held: list[str] = []
        self.held_since = 0.0
        self.fatal: list[str] = []

    def take(self, line: str) -> None:
        """One line of the child's ("" when none came for a while)."""
        if self.fatal or FATAL in line:
            self.fatal.append(line)
            return
        if line and (self.held or LOG_LINE.match(line) or line.startswith(PEER_FAILURE)):
            self.held_since = self.held_since if self.held else time.monotonic()
            if line.startswith(PEER_FAILURE):  # the verdict follows when the child ends
                self.held_since = float("inf")
            self.held.append(line)
        elif line:
            sys.stderr.write(line)
        if self.held and time.monotonic() - self.held_since > HOLD_S:
            sys.stderr.write("".join(self.held))
            self.held = []


def _watched_child() -> tuple[subprocess.Popen, queue.Queue]:
    """This command run again as a child, and a queue of its standard error's lines (None
    at its end). Ctrl-C reaches the child from the terminal (one process group): the parent
    ignores it and reports what the child does; a SIGTERM sent to the parent alone is passed
    on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(
        [sys.executable, "-m", "experiments.main", *sys.argv[1:]],
        env={**os.environ, CHILD: "1"},
        stderr=subprocess.PIPE,
        preexec_fn=_start_child,
    )
    signal.signal(signal.SIGTERM, lambda number, _: child.send_signal(number))
    # lines as written: a progress bar's "\r" kept; bytes that are not UTF-8 replaced
    stream = io.TextIOWrapper(child.stderr, encoding="utf-8", errors="replace", newline="")
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_read_lines, args=(stream, lines), daemon=True).start()
    return child, lines


def run_supervised(
    *, process_id: int, num_processes: int, coordinator: str, join_timeout: int, heartbeat: int
) -> int:
    """Run this command again as a watched child; return the exit status to leave with."""
    child, lines = _watched_child()
    output = HeldLines()
    while True:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            line = ""
        if line is None:
            break
        output.take(line)
    child.wait()
    if not output.fatal:
        sys.stderr.write("".join(output.held))
        return child.returncode if child.returncode >= 0 else 128 - child.returncode
    message = lost_process_message(
        "".join(output.held + output.fatal),
        process_id=process_id,
        num_processes=num_processes,
        coordinator=coordinator,
        join_timeout=join_timeout,
        heartbeat=heartbeat,
    )
    print(f"error: {message}", file=sys.stderr)
    return LOST_STATUS


def lost_process_message(
    text: str,
    *,
    process_id: int,
    num_processes: int,
    coordinator: str,
    join_timeout: int,
    heartbeat: int,
) -> str:
    """One line from the runtime's fatal error ``text``: which process was lost or missing."""
    me = f"process {process_id} of {num_processes}"
    if "RegisterTask" in text:  # the join timed out
        if process_id != 0 and not _listening(coordinator):
            return (
                f"{me}: the coordinator (process 0) at {coordinator} did not answer within "
                f"{join_timeout} s; start process 0 with the same --coordinator, or fix the address"
            )
        others = [str(i) for i in range(num_processes) if i != process_id]
        who = f"one of processes {', '.join(others)}" if len(others) > 1 else f"process {others[0]}"
        return (
            f"{me}: {who} did not join within {join_timeout} s; start every process with "
            f"--num_processes={num_processes} and --coordinator={coordinator}, or raise "
            "--join_timeout"
        )
    lost = _unhealthy_tasks(text)
    if lost:
        names = ", ".join(str(i) for i in lost)
        return (
            f"{me}: lost process {names}, silent for {heartbeat} s; this process stopped too and "
            "the checkpoints are kept; restart every process to resume"
        )
    return (
        f"{me}: lost the coordinator (process 0) at {coordinator}; this process stopped too and "
        "the checkpoints are kept; restart every process to resume"
    )


def _unhealthy_tasks(text: str) -> list[int]:
    """Task numbers listed after the coordination service's "stopped sending heartbeats"."""
    marker = text.find("stopped sending heartbeats")
    if marker < 0:
        return []
    tasks = []
    for line in text[marker:].splitlines()[1:]:
        found = re.findall(r"(?:task:)?(\d+)\s*$", line.strip())
        if not found:
            break
        tasks.append(int(found[0]))
    return tasks


def _listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False
