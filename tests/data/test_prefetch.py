"""The prefetcher yields what a synchronous loop would, raises where a batch fails, and stops."""

import threading
import time

import pytest

from jaxgen.data.prefetch import Prefetcher


def test_items_come_in_order_and_equal_the_synchronous_ones():
    with Prefetcher(lambda i: i * i, range(50), depth=3) as items:
        assert list(items) == [i * i for i in range(50)]


def test_depth_items_wait_and_one_more_is_made_ahead():
    made = []

    def make(i):
        made.append(i)
        return i

    with Prefetcher(make, range(100), depth=2) as items:
        assert next(items) == 0
        deadline = time.monotonic() + 10
        while len(made) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # would a thread that ignores the depth make more?
        # item 0 taken, 2 waiting in the queue, 1 made and blocked on a full queue
        assert len(made) == 1 + 2 + 1


def test_an_error_in_make_is_raised_where_its_item_is_wanted():
    def make(i):
        if i == 3:
            raise KeyError("batch 3 is missing")
        return i

    with Prefetcher(make, range(10)) as items:
        assert [next(items) for _ in range(3)] == [0, 1, 2]
        with pytest.raises(KeyError, match="batch 3"):
            next(items)
        with pytest.raises(KeyError, match="batch 3"):  # and again, rather than waiting
            next(items)


def test_stop_iteration_from_make_is_an_error_not_the_end():
    def make(i):
        if i == 2:
            raise StopIteration
        return i

    with Prefetcher(make, range(10)) as items, pytest.raises(RuntimeError, match="StopIteration"):
        list(items)


def test_leaving_early_stops_the_thread():
    with Prefetcher(lambda i: i, iter(int, 1), depth=2) as items:  # an endless iterator
        next(items)
    assert not any(t.name == "jaxgen-prefetch" and t.is_alive() for t in threading.enumerate())


def test_depth_below_one_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        Prefetcher(lambda i: i, range(3), depth=0)
