"""Bounded concurrency: never more jobs running than the limit, every result handed back, and what
follows a failure or an early stop never started."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from syncd.connectors.concurrency import in_flight


class _Gauge:
    """Counts jobs running at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started: list[int] = []
        self.threads: set[str] = set()

    def job(self, n: int, *, hold: float = 0.02) -> Callable[[], int]:
        def run() -> int:
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
                self.started.append(n)
                self.threads.add(threading.current_thread().name)
            time.sleep(hold)
            with self.lock:
                self.running -= 1
            return n

        return run


def test_at_most_the_limit_runs_at_once_and_every_result_comes_back() -> None:
    gauge = _Gauge()
    results = list(in_flight((gauge.job(n) for n in range(20)), 4))
    assert sorted(results) == list(range(20))
    assert gauge.most == 4


def test_a_limit_of_one_runs_each_job_in_the_callers_thread_in_order() -> None:
    gauge = _Gauge()
    assert list(in_flight((gauge.job(n, hold=0) for n in range(5)), 1)) == [0, 1, 2, 3, 4]
    assert gauge.threads == {threading.current_thread().name}
    assert gauge.most == 1


def test_jobs_are_taken_from_the_stream_only_as_slots_free() -> None:
    taken: list[int] = []
    gauge = _Gauge()

    def stream() -> Iterator[Callable[[], int]]:
        for n in range(100):
            taken.append(n)
            yield gauge.job(n, hold=0.01)

    results = in_flight(stream(), 3)
    next(results)
    assert len(taken) <= 4
    results.close()
    assert len(taken) <= 4


def test_a_failing_job_is_raised_and_later_jobs_never_start() -> None:
    gauge = _Gauge()

    def boom() -> int:
        raise RuntimeError("refused")

    jobs = [boom, *(gauge.job(n, hold=0.05) for n in range(1, 50))]
    with pytest.raises(RuntimeError, match="refused"):
        list(in_flight(iter(jobs), 2))
    assert len(gauge.started) < 10
    assert gauge.running == 0


def test_closing_early_waits_for_the_jobs_in_flight() -> None:
    gauge = _Gauge()
    results = in_flight((gauge.job(n, hold=0.05) for n in range(30)), 4)
    next(results)
    results.close()
    assert gauge.running == 0
    assert len(gauge.started) <= 5


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="0 jobs"):
        list(in_flight([], 0))
