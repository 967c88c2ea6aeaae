"""The SQLite engine of the state store: one file (WAL) for one machine, the embedded default.

``synchronous=FULL`` makes a committed transaction survive power loss, which is what lets a replay after
a crash trust it. The file is created with mode 0600 in a 0700 directory: it names issues and people.
"""

from __future__ import annotations

import fcntl
import math
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from syncd.errors import StateError
from syncd.state.database import Clock, create_private, utcnow
from syncd.state.dialect import SQLITE

__all__ = ["SqliteDatabase"]


class SqliteDatabase:
    """One connection in autocommit mode; :meth:`transaction` groups statements atomically."""

    dialect = SQLITE

    def __init__(self, connection: sqlite3.Connection, path: Path, clock: Clock = utcnow) -> None:
        self.connection = connection
        self.path = path
        self.clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Clock = utcnow) -> SqliteDatabase:
        """Open (creating, with mode 0600) the state file.

        Raises:
            StateError: the file cannot be created or opened, or is not a database.
        """
        try:
            create_private(path)
            connection = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state file {path}: {exc}") from None
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA busy_timeout=10000")
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise StateError(f"{path} is not a usable syncd state file ({exc})") from None
        return cls(connection, path, clock)

    @property
    def location(self) -> str:
        return str(self.path)

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

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, args)

    @contextmanager
    def tracker_lock(self, tracker: str) -> Iterator[None]:
        """Hold the exclusive right to sync ``tracker`` with this state file (released on exit or death)."""
        lock_path = self.path.with_name(f"{self.path.name}.{tracker}.lock")
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StateError(
                f"another syncd process (pid {holder}) is syncing {tracker} with {self.path}; "
                "wait for it to finish or stop it"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextmanager
    def report_lock(self, tracker: str, *, wait: float) -> Iterator[None]:
        """A file lock beside the state file, polled until ``wait`` runs out."""
        lock_path = self.path.with_name(f"{self.path.name}.{tracker}.report.lock")
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StateError(
                        f"another syncd process has been posting {tracker}'s report for {wait:.0f} s "
                        f"with {self.path}; try again when it is done"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def share(self, trackers: Sequence[str]) -> None:
        """One process at a time holds a SQLite state: there is nobody to share with."""

    def shed(self) -> list[str]:
        return []

    def holds(self, tracker: str) -> bool:
        """The one process that uses a SQLite state syncs every tracker (its lock is taken per sync)."""
        return True

    def notify(self, db: Any, channel: str) -> None:
        """Nobody else shares the file to be woken."""

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Nobody else shares the file to wake this process."""

    def fence(self, db: Any, tracker: str) -> float:
        """Writes need no lease here: :meth:`tracker_lock` already keeps every other process out."""
        return math.inf

    def check(self, tracker: str) -> float:
        """Nothing to check: the file lock is held until the process ends."""
        return math.inf

    def close(self) -> None:
        self.connection.close()
