"""What every part of the state store is written against: one :class:`Database` protocol, two engines.

The parts (cursors, items, journal, outbox, history, leases) hold their SQL once, in the dialect both
engines speak: ``?`` placeholders, ``ON CONFLICT ... DO UPDATE``, ``RETURNING``. What differs between
SQLite and PostgreSQL — identity columns, where the schema version lives, the clock in SQL — is in
:mod:`syncd.state.dialect`; the connections are in :mod:`syncd.state.sqlite` and
:mod:`syncd.state.postgres`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from syncd.state.dialect import Dialect

__all__ = ["Clock", "Connection", "Database", "Rows", "chunks", "create_private", "utcnow"]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Rows(Protocol):
    """What a statement returns: its rows, and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What a transaction hands out: statements with ``?`` placeholders."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Rows: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> object: ...


class Database(Protocol):
    """One state database: SQLite for one machine, PostgreSQL for several replicas."""

    dialect: Dialect
    clock: Clock

    @property
    def location(self) -> str:
        """Where the state is, safe to print (no password)."""
        ...

    def now(self) -> str: ...

    def transaction(self) -> AbstractContextManager[Connection]:
        """One atomic unit of work; nested use joins the outer transaction."""
        ...

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows: ...

    def tracker_lock(self, tracker: str) -> AbstractContextManager[None]:
        """The exclusive right to sync ``tracker`` against this database."""
        ...

    def share(self, trackers: Sequence[str]) -> None:
        """Share ``trackers`` out with the other processes that share them (several service replicas)."""
        ...

    def shed(self) -> list[str]:
        """Give up the trackers held above this process's fair share; the names given up."""
        ...

    def holds(self, tracker: str) -> bool:
        """Whether this process may sync ``tracker`` now without taking it from another."""
        ...

    def notify(self, db: Connection, channel: str) -> None:
        """Inside a transaction: wake the listeners of ``channel`` once it commits."""
        ...

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever another process notifies ``channel`` (until the store closes)."""
        ...

    def report_lock(self, tracker: str, *, wait: float) -> AbstractContextManager[None]:
        """The right to post ``tracker``'s report comments, waited for up to ``wait`` seconds."""
        ...

    def fence(self, db: Connection, tracker: str) -> float:
        """Inside a write's transaction: refuse the write unless this process may still write ``tracker``;
        the seconds it surely still may."""
        ...

    def check(self, tracker: str) -> float:
        """Just before a write to the tracker itself: refuse it unless this process may still write there;
        the moment (on :func:`time.monotonic`) until which it surely may."""
        ...

    def close(self) -> None: ...


def create_private(path: Path) -> None:
    """Create the state file 0600 in a 0700 directory; tighten an existing file that is wider."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def chunks(values: list[str], size: int) -> Iterator[list[str]]:
    """Slices of at most ``size``, to stay under SQLite's limit on bound parameters."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
