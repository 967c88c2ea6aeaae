"""The state store: one SQLite file (WAL) holding what syncd must not forget between runs.

Its parts, each in its own module: cursors, runs, comments and snapshots (:mod:`.history`), item
snapshots and the label journal (:mod:`.items`), and the outbox (:mod:`.outbox`). Every multi-row change
runs in one transaction, so a crash leaves the last good state.

The file is created with mode 0600 in a 0700 directory: it names issues and people. ``synchronous=FULL``
makes a committed transaction survive power loss, which is what lets a replay after a crash trust it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from syncd.errors import StateError
from syncd.state.database import Clock, Database, create_private, utcnow
from syncd.state.history import Comments, Cursors, Runs, Snapshots
from syncd.state.items import Items, Journal
from syncd.state.outbox import Outbox
from syncd.state.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["StateStore"]

_TABLES = ("cursors", "items", "label_journal", "outbox", "comments", "runs", "snapshots")


class StateStore:
    """Access to the state file. Open with :meth:`open`; use as a context manager to close it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.path = db.path
        self.cursors = Cursors(db)
        self.items = Items(db)
        self.journal = Journal(db)
        self.outbox = Outbox(db, self.journal)
        self.runs = Runs(db)
        self.comments = Comments(db)
        self.snapshots = Snapshots(db)

    @classmethod
    def open(cls, path: Path, *, clock: Clock = utcnow) -> StateStore:
        """Open (creating, with mode 0600) and migrate the state file.

        Raises:
            StateError: the file cannot be created or read, is not a syncd state file, or comes from a
                newer syncd.
        """
        try:
            create_private(path)
            connection = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state file {path}: {exc}") from None
        store = cls(Database(connection, path, clock))
        try:
            store._configure()
            store._migrate()
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise StateError(f"{path} is not a usable syncd state file ({exc})") from None
        except StateError:
            connection.close()
            raise
        return store

    def close(self) -> None:
        self._db.connection.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """Group changes of several parts into one atomic unit."""
        return self._db.transaction()

    def _configure(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=10000")

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StateError(
                f"{self.path} was written by a newer syncd (schema {current}; this syncd knows up to "
                f"{SCHEMA_VERSION}): upgrade syncd or point state_path elsewhere"
            )
        for version in range(current + 1, SCHEMA_VERSION + 1):
            with self._db.transaction() as db:
                for statement in MIGRATIONS[version - 1]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")

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
    def report_lock(self, tracker: str, *, wait: float = 120.0) -> Iterator[None]:
        """Hold the right to post ``tracker``'s report comments, waiting up to ``wait`` seconds for another
        process that posts them: two processes that each looked for the comment before the other created
        it would otherwise both create one. A post is short (each request is bounded), so waiting is the
        right answer, unlike a second sync of the same tracker."""
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

    def trackers(self) -> list[str]:
        """Every tracker the store knows anything about."""
        rows = self._db.execute(
            "SELECT tracker FROM cursors UNION SELECT tracker FROM items UNION SELECT tracker FROM runs "
            "UNION SELECT tracker FROM outbox ORDER BY tracker"
        )
        return [row[0] for row in rows]

    def reset(self, tracker: str | None = None) -> None:
        """Forget everything about one tracker, or about all of them."""
        with self._db.transaction() as db:
            for table in _TABLES:
                if tracker is None:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
                else:
                    db.execute(f"DELETE FROM {table} WHERE tracker = ?", (tracker,))  # noqa: S608
