"""Several streams read side by side: every item comes through once, no more streams are read at once
than the limit, a failure reaches the caller, and an early stop stops the readers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from syncd.connectors.concurrency import interleaved


class _Streams:
    """Streams of numbered items that record how many are read at once and how far each got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reading = 0
        self.most = 0
        self.read: dict[str, int] = {}

    def stream(
        self, name: str, count: int, *, pause: float = 0.001, fail_at: int | None = None
    ) -> Callable[[], Iterator[str]]:
        def items() -> Iterator[str]:
            with self.lock:
                self.reading += 1
                self.most = max(self.most, self.reading)
            try:
                for n in range(count):
                    if n == fail_at:
                        raise RuntimeError(f"{name} failed at {n}")
                    time.sleep(pause)
                    with self.lock:
                        self.read[name] = n + 1
                    yield f"{name}{n}"
            finally:
                with self.lock:
                    self.reading -= 1

        return items


def test_every_item_of_every_stream_comes_through_once() -> None:
    streams = _Streams()
    names = "abcdef"
    got = list(interleaved([streams.stream(name, 30) for name in names], 3))
    assert sorted(got) == sorted(f"{name}{n}" for name in names for n in range(30))
    assert 1 < streams.most <= 3, "side by side, never more than the limit"


def test_each_streams_own_order_is_kept() -> None:
    streams = _Streams()
    got = list(interleaved([streams.stream("a", 50), streams.stream("b", 50)], 2))
    for name in "ab":
        assert [item for item in got if item.startswith(name)] == [f"{name}{n}" for n in range(50)]


def test_a_limit_of_one_reads_the_streams_one_after_another_in_the_callers_thread() -> None:
    streams = _Streams()
    got = list(interleaved([streams.stream("a", 3), streams.stream("b", 3)], 1))
    assert got == ["a0", "a1", "a2", "b0", "b1", "b2"]
    assert streams.most == 1


def test_a_stream_that_fails_raises_to_the_caller_after_what_it_read() -> None:
    streams = _Streams()
    got: list[str] = []

    def take() -> None:
        for item in interleaved([streams.stream("a", 1000, pause=0.005), streams.stream("b", 10, fail_at=5)], 2):
            got.append(item)

    with pytest.raises(RuntimeError, match="b failed at 5"):
        take()
    assert [item for item in got if item.startswith("b")] == [f"b{n}" for n in range(5)]
    assert streams.read["a"] < 1000, "the other stream stopped instead of reading on"
    assert streams.reading == 0


def test_an_early_stop_stops_every_reader() -> None:
    streams = _Streams()
    taken = interleaved([streams.stream(name, 10_000, pause=0.002) for name in "abc"], 3)
    first = [next(taken) for _ in range(5)]
    taken.close()
    assert len(first) == 5
    assert streams.reading == 0, "every reader stopped before close returned"
    assert sum(streams.read.values()) < 30_000


def test_no_stream_at_all_yields_nothing_and_a_limit_below_one_is_refused() -> None:
    assert list(interleaved([], 4)) == []
    with pytest.raises(ValueError, match="never read any"):
        list(interleaved([_Streams().stream("a", 1)], 0))
