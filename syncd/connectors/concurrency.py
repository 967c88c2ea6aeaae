"""Several requests in flight, never more than a bound: what a tracker at a real site's latency needs.

At 150 ms a round trip, a hundred thousand label edits one after another take hours, while the tracker
would have answered several at once. :func:`in_flight` runs jobs on a small pool of threads and hands
back each one's result as it ends, keeping at most ``limit`` running and taking the next job from the
iterable only when a slot frees up, so a long stream of jobs is never held in memory at once.

Jobs must be independent: a connector gives each issue's op to one job only, so the outbox order per
issue is kept whatever order the jobs end in. A limit of 1 runs each job in the caller's thread, one
after another, exactly as before there were threads.

:func:`interleaved` does the same for streams: several paged queries over disjoint parts of a tracker
(one per team) read side by side, their items handed on as they come.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["in_flight", "interleaved"]

R = TypeVar("R")
T = TypeVar("T")

_BUFFER = 1000
_PUT_WAIT = 0.1


def in_flight(jobs: Iterable[Callable[[], R]], limit: int, *, name: str = "requests") -> Iterator[R]:
    """Each job's result as it ends, with at most ``limit`` jobs running at once.

    A job's exception is raised to the caller when its result is due; the jobs still running are let
    finish (a request cannot be taken back once sent) and the rest are never started. Closing the
    iterator early does the same.
    """
    if limit < 1:
        raise ValueError("at most 0 jobs in flight would never run any")
    if limit == 1:
        for job in jobs:
            yield job()
        return
    pending = iter(jobs)
    running: set[Future[R]] = set()
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix=name) as pool:
        try:
            _fill(pool, pending, running, limit)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    running.discard(future)
                    yield future.result()
                _fill(pool, pending, running, limit)
        finally:
            for future in running:
                future.cancel()


def _fill(pool: ThreadPoolExecutor, jobs: Iterator[Callable[[], R]], running: set[Future[R]], limit: int) -> None:
    """Start jobs until ``limit`` run or none is left."""
    while len(running) < limit:
        job = next(jobs, None)
        if job is None:
            return
        running.add(pool.submit(job))


def interleaved(streams: Sequence[Callable[[], Iterator[T]]], limit: int, *, name: str = "reads") -> Iterator[T]:
    """The items of every stream, in the order they come, with at most ``limit`` streams read at once.

    Each stream is read in a thread of its own, a page at a time; a bounded buffer holds what the caller
    has not taken yet, so the readers wait for a slow caller instead of filling memory. A stream's
    exception is raised to the caller once the items read before it were taken; the other streams stop
    at their next item, as they do when the caller closes the iterator early.
    """
    if limit < 1:
        raise ValueError("at most 0 streams read at once would never read any")
    if limit == 1 or len(streams) <= 1:
        for stream in streams:
            yield from stream()
        return
    buffer: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=_BUFFER)
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=min(limit, len(streams)), thread_name_prefix=name)
    try:
        for stream in streams:
            pool.submit(_drain, stream, buffer, stop)
        yield from _taken(buffer, len(streams))
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _drain(stream: Callable[[], Iterator[T]], buffer: queue.Queue[tuple[bool, object]], stop: threading.Event) -> None:
    """Read one stream into the buffer, then say it ended (with its exception, if it failed)."""
    if stop.is_set():
        return
    ended: object = None
    items: Iterator[T] | None = None
    try:
        items = stream()
        for item in items:
            if not _put(buffer, (False, item), stop):
                return
    except BaseException as error:
        ended = error
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
    _put(buffer, (True, ended), stop)


def _put(buffer: queue.Queue[tuple[bool, object]], entry: tuple[bool, object], stop: threading.Event) -> bool:
    """Put the entry, waiting for room; False when the caller stopped taking."""
    while not stop.is_set():
        try:
            buffer.put(entry, timeout=_PUT_WAIT)
            return True
        except queue.Full:
            continue
    return False


def _taken(buffer: queue.Queue[tuple[bool, object]], streams: int) -> Iterator[T]:
    """Items until every stream said it ended; a stream's exception is raised when it comes."""
    open_streams = streams
    while open_streams:
        ended, value = buffer.get()
        if not ended:
            yield value  # type: ignore[misc]
            continue
        open_streams -= 1
        if isinstance(value, BaseException):
            raise value
