"""The emulators' clock: real time by default, frozen, set or advanced by tests.

Incremental pulls hinge on ``updated``/``updatedAt`` timestamps (and on JQL's minute precision), so tests
must be able to put an edit exactly before or after a cursor. Every timestamp an emulator writes comes
from its clock. Readings have millisecond precision, what both Jira and Linear store; Linear's rate-limit
buckets refill on this clock too, so a frozen test never refills by accident.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

__all__ = ["Clock", "to_ms"]


def to_ms(when: datetime) -> int:
    """Epoch milliseconds of a datetime (naive ones are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round(when.timestamp() * 1000)


class Clock:
    """A thread-safe clock. A fresh one follows real time; :meth:`set` freezes it at an instant.

    Args:
        start: freeze the clock at this instant; None follows real time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: int | None = to_ms(start) if start is not None else None
        self._offset = 0

    def now_ms(self) -> int:
        """The current time in epoch milliseconds."""
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return int(time.time() * 1000) + self._offset

    def now(self) -> datetime:
        """The current instant, UTC, millisecond precision."""
        return datetime.fromtimestamp(self.now_ms() / 1000, UTC)

    def set(self, instant: datetime) -> None:
        """Freeze the clock at ``instant``."""
        with self._lock:
            self._frozen = to_ms(instant)

    def advance(self, step: timedelta | float) -> datetime:
        """Move the clock forward by ``step`` (seconds or a timedelta), frozen or not; returns the new now."""
        seconds = step.total_seconds() if isinstance(step, timedelta) else step
        with self._lock:
            if self._frozen is not None:
                self._frozen += round(seconds * 1000)
            else:
                self._offset += round(seconds * 1000)
        return self.now()

    def resume(self) -> None:
        """Follow real time again."""
        with self._lock:
            self._frozen = None
            self._offset = 0

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen is not None
