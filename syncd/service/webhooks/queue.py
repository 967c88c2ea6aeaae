"""The bounded, debounced queue between the webhook receiver and the service loop.

A burst of edits to one issue must cost one read: a key waits until it has been quiet for ``debounce``
seconds (or has waited ``max_delay`` in all, so a steadily edited issue is still read), and a key already
waiting is only touched again (*coalesced*). The queue holds at most ``limit`` keys; past that, events are
dropped and the tracker is marked as *overflowed* until the next poll covers what was dropped — the poll is
the safety net, and ``/healthz`` and a metric say that it is in use.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum

__all__ = ["KeyQueue", "Offer"]


class Offer(Enum):
    QUEUED = "queued"
    COALESCED = "coalesced"
    DROPPED = "dropped"


@dataclass(slots=True)
class _Waiting:
    first: float
    last: float


class KeyQueue:
    """Issue keys to re-read, per tracker; thread-safe. Times are ``time.monotonic()`` seconds."""

    def __init__(self, *, limit: int, debounce: float, max_delay: float) -> None:
        self._limit = limit
        self._debounce = debounce
        self._max_delay = max(max_delay, debounce)
        self._waiting: dict[str, dict[str, _Waiting]] = {}
        self._size = 0
        self._overflowed: set[str] = set()
        self._drops: dict[str, int] = {}
        self._lock = threading.Lock()

    def offer(self, tracker: str, key: str, now: float) -> Offer:
        """Queue ``key`` of ``tracker``, or coalesce it with the same key already waiting."""
        with self._lock:
            keys = self._waiting.setdefault(tracker, {})
            waiting = keys.get(key)
            if waiting is not None:
                waiting.last = now
                return Offer.COALESCED
            if self._size >= self._limit:
                self._overflowed.add(tracker)
                self._drops[tracker] = self._drops.get(tracker, 0) + 1
                return Offer.DROPPED
            keys[key] = _Waiting(now, now)
            self._size += 1
            return Offer.QUEUED

    def take_ready(self, now: float) -> dict[str, list[str]]:
        """Remove and return, per tracker, the keys whose wait is over."""
        ready: dict[str, list[str]] = {}
        with self._lock:
            for tracker, keys in self._waiting.items():
                done = [key for key, w in keys.items() if self._is_ready(w, now)]
                for key in done:
                    del keys[key]
                self._size -= len(done)
                if done:
                    ready[tracker] = done
        return ready

    def next_ready(self) -> float | None:
        """When the next key's wait is over (monotonic seconds), or None when nothing waits."""
        with self._lock:
            times = [
                min(w.last + self._debounce, w.first + self._max_delay)
                for keys in self._waiting.values()
                for w in keys.values()
            ]
        return min(times, default=None)

    def _is_ready(self, waiting: _Waiting, now: float) -> bool:
        return now - waiting.last >= self._debounce or now - waiting.first >= self._max_delay

    def __len__(self) -> int:
        with self._lock:
            return self._size

    def overflowed(self) -> frozenset[str]:
        """Trackers that dropped events since their last poll."""
        with self._lock:
            return frozenset(self._overflowed)

    def drops(self, tracker: str) -> int:
        """How many of ``tracker``'s events were dropped so far; a poll notes it when it starts."""
        with self._lock:
            return self._drops.get(tracker, 0)

    def polled(self, tracker: str, drops_at_start: int) -> bool:
        """A poll of ``tracker`` that started after ``drops_at_start`` drops ran to its end: what was dropped
        before it started has been read. Returns whether the tracker is clear (nothing dropped since)."""
        with self._lock:
            if self._drops.get(tracker, 0) == drops_at_start:
                self._overflowed.discard(tracker)
            return tracker not in self._overflowed
