"""The workdir's lock, journals and full-disk recognition."""

import errno
import os
import subprocess
import sys

import pytest

from jaxgen.errors import JaxgenError
from jaxgen.training.workdir import (
    WorkdirLock,
    disk_full,
    read_journal,
    trim_journal,
    write_journal,
)

HOLD = (
    "import sys, time; from jaxgen.training.workdir import WorkdirLock; "
    "WorkdirLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep({})"
)


def take_lock(workdir, seconds):
    return subprocess.Popen(
        [sys.executable, "-c", HOLD.format(seconds), str(workdir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def hold_in_another_process(workdir):
    proc = take_lock(workdir, 60)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_naming_the_holder_and_a_dead_holder_blocks_nothing(tmp_path):
    holder = hold_in_another_process(tmp_path)
    try:
        with pytest.raises(JaxgenError, match=rf"in use by process {holder.pid} on "):
            WorkdirLock(tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    with WorkdirLock(tmp_path):  # the lock file is still there; its lock died with the holder
        assert (tmp_path / ".lock").read_text().startswith(f"{os.getpid()} on ")


def test_the_lock_is_reentrant_within_a_process_and_released_by_its_last_holder(tmp_path):
    outer = WorkdirLock(tmp_path).acquire()
    with WorkdirLock(tmp_path):
        pass
    refused = take_lock(tmp_path, 0)  # still held by ``outer``
    assert refused.wait() != 0 and f"in use by process {os.getpid()} on " in refused.stderr.read()
    outer.release()
    assert take_lock(tmp_path, 0).wait() == 0


def test_a_torn_final_line_is_dropped_and_a_bad_earlier_line_is_refused(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"iteration": 10, "loss": 1.0}\n{"iteration": 20, "lo')
    assert read_journal(path) == [{"iteration": 10, "loss": 1.0}]
    path.write_text('{"iteration": 10, "loss": 1.0}\n{"iteration": 20, "loss": 2.0}')
    assert [r["iteration"] for r in read_journal(path)] == [10, 20]  # whole but for "\n"
    path.write_text('{"iteration": 10, "lo\n{"iteration": 20, "loss": 2.0}\n')
    with pytest.raises(JaxgenError, match=r"metrics.jsonl line 1 is not JSON"):
        read_journal(path)
    assert read_journal(tmp_path / "absent.jsonl") == []


def test_trimming_keeps_whole_rows_up_to_the_iteration(tmp_path):
    path = tmp_path / "eval.jsonl"
    write_journal(path, [{"iteration": 1}, {"iteration": 2}])
    assert path.read_text() == '{"iteration": 1}\n{"iteration": 2}\n'
    with path.open("a") as f:
        f.write('{"iteration": 3, "fd": 1')  # torn
    trim_journal(path, 2)
    assert path.read_text() == '{"iteration": 1}\n{"iteration": 2}\n'
    trim_journal(path, 1)
    assert path.read_text() == '{"iteration": 1}\n'


def test_no_space_is_recognised_however_deeply_it_was_wrapped():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("save failed") from inner
    except RuntimeError as err:
        assert disk_full(err)
    assert disk_full(ValueError("RESOURCE_EXHAUSTED: ... No space left on device [tensorstore]"))
    assert not disk_full(OSError(errno.EACCES, "Permission denied"))
