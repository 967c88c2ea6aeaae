"""The SQLite connection every part of the state store shares: transactions, clock, and opening safely."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["Clock", "Database", "chunks", "create_private"]

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Database:
    """One connection in autocommit mode; :meth:`transaction` groups statements atomically."""

    def __init__(self, connection: sqlite3.Connection, path: Path, clock: Clock = utcnow) -> None:
        self.connection = connection
        self.path = path
        self.clock = clock

    def now(self) -> str:
        return self.clock().isoformat()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested use joins the outer transaction."""
        db = self.connection
        if db.in_transaction:
            yield db
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def execute(self, sql: str, args: tuple[object, ...] | list[object] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, args)


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
