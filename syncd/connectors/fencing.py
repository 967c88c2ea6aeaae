"""A write to a tracker goes out only while this replica surely holds the tracker's lease.

A tracker takes no fencing token, so syncd fences on its own side, as late as it can. Each request that
writes labels first asks the state for the lease (:data:`Fence`), which answers with the moment, on this
process's monotonic clock, until which the lease surely stays ours. The request then goes through the
client library as usual, and the HTTP connection checks that moment again just before the first byte
is written (:func:`refuse_if_late`). A process frozen anywhere in between (a stop signal, a paused
virtual machine, a long pause of the interpreter) for longer than its lease wakes up past that moment
and sends nothing: the replica that took the lease over meanwhile may already have written the issue,
and a person may have edited it since.

What is left is the time from that last check to the socket, a few microseconds of the standard
library's work.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from syncd.errors import LeaseLost

__all__ = ["Fence", "fenced", "refuse_if_late", "unfenced"]

Fence = Callable[[], float]
"""Called before each request that writes labels: raises (:class:`~syncd.errors.LeaseLost`) when this
process may no longer write the tracker, else returns the moment (:func:`time.monotonic`) until which it
surely may."""


def unfenced() -> float:
    """The fence that never refuses: for writes no other replica could be making (a test, a tool run alone)."""
    return math.inf


class _SendBy(threading.local):
    deadline: float = math.inf
    tracker: str = ""


_send_by = _SendBy()


@contextmanager
def fenced(fence: Fence | None, tracker: str) -> Iterator[None]:
    """Ask ``fence``, then let the requests sent inside (by this thread) go out only until the moment it
    named."""
    if fence is None:
        yield
        return
    _send_by.deadline, _send_by.tracker = fence(), tracker
    try:
        yield
    finally:
        _send_by.deadline, _send_by.tracker = math.inf, ""


def refuse_if_late() -> None:
    """Called by the HTTP connection just before it sends a request: :class:`LeaseLost` when this thread
    is sending a fenced write and the moment its fence named has passed."""
    late = time.monotonic() - _send_by.deadline
    if late >= 0:
        raise LeaseLost(
            f"the lease on {_send_by.tracker} may have run out while a write waited to be sent "
            f"({late:.1f} s past it): the write was not sent, and this replica stops writing {_send_by.tracker}"
        )
