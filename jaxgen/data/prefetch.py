"""Batches made ahead, on a background thread, while the device runs the current step.

``Prefetcher(make, indices, depth=2)`` yields ``make(i)`` for each ``i`` of ``indices`` in
order, with ``depth`` of them made and transferred (``make`` includes the ``device_put``)
and waiting, and one more being made, before they are asked for. ``make`` must be a pure
function of ``i`` (jaxgen's batch ``n`` is one of ``(seed, n)``), so a prefetched batch is
the batch a synchronous loop would have made, and a resumed run continues bit for bit. An
exception in ``make`` is raised where its batch is asked for. Hand-written rather than
grain's ``DataLoader`` because jaxgen's datasets are already deterministic random-access
functions of the index (grain's worker processes would re-create them); a thread is enough,
as JAX releases the interpreter lock while a step runs, and it runs at a lower priority, so
that on a CPU backend it takes the cycles the step leaves idle (``make bench`` reports fed
against device-resident steps/s)."""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jaxgen.errors import JaxgenError

BACKGROUND_NICENESS = 10


def yield_to_the_step() -> None:
    """Lower this thread's scheduling priority (Linux: a thread's own nice value), so that
    where the host's cores also run the step (XLA:CPU), the batches are made in what the
    step leaves idle instead of pausing one of its threads. Elsewhere, nothing."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICENESS)


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


_DONE = object()


class Prefetcher:
    """An iterator over ``make(i)`` for ``i`` in ``indices``, ``depth`` items made ahead.

    Use it as a context manager (or call :meth:`close`): leaving stops the thread.
    """

    def __init__(self, make: Callable[[int], Any], indices: Iterable[int], *, depth: int = 2):
        if depth < 1:
            raise JaxgenError(f"`depth`={depth} prefetches nothing; use at least 1")
        self._ready: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._produce, args=(make, iter(indices)), name="jaxgen-prefetch", daemon=True
        )
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, make, indices: Iterator[int]) -> None:
        yield_to_the_step()
        try:
            for i in indices:
                if not self._put(make(i)):
                    return
        except StopIteration as error:  # from make: an error, not the end of the items
            self._put(_Failure(RuntimeError(f"making an item raised StopIteration: {error}")))
            return
        except BaseException as error:  # raised in the consumer, where the batch is wanted
            self._put(_Failure(error))
            return
        self._put(_DONE)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        item = self._ready.get()
        if item is _DONE:
            self._ready.put(_DONE)
            raise StopIteration
        if isinstance(item, _Failure):
            self._ready.put(item)  # asked again, it fails again
            raise item.error
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
