"""Several requests in flight, never more than a bound: what a tracker at a real site's latency needs.

At 150 ms a round trip, a hundred thousand label edits one after another take hours, while the tracker
would have answered several at once. :func:`in_flight` runs jobs on a small pool of threads and hands
back each one's result as it ends, keeping at most ``limit`` running and taking the next job from the
iterable only when a slot frees up, so a long stream of jobs is never held in memory at once.

Jobs must be independent: a connector gives each issue's op to one job only, so the outbox order per
issue is kept whatever order the jobs end in. A limit of 1 runs each job in the caller's thread, one
after another, exactly as before there were threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["in_flight"]

R = TypeVar("R")


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
