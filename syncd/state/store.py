"""The state store: what syncd must not forget between runs, in SQLite (one machine) or PostgreSQL.

Its parts, each in its own module and each written once against :class:`~syncd.state.database.Database`:
cursors, runs, comments and snapshots (:mod:`.history`), item snapshots and the label journal
(:mod:`.items`), the outbox (:mod:`.outbox`). Every multi-row change runs in one transaction, so a crash
leaves the last good state. The engines are :mod:`.sqlite` and :mod:`.postgres`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path

import psycopg
from pydantic import SecretStr

from syncd.errors import StateError
from syncd.state.copy import copy_tables
from syncd.state.database import Clock, Connection, Database, utcnow
from syncd.state.handoffs import HANDOFF_CHANNEL, Handoffs
from syncd.state.history import Comments, Runs, Snapshots, TrackerMarks
from syncd.state.items import Items, Journal
from syncd.state.outbox import Outbox
from syncd.state.postgres import DEFAULT_LEASE_TTL, PostgresDatabase
from syncd.state.reviews import Reviews
from syncd.state.schema import MIGRATIONS, SCHEMA_VERSION
from syncd.state.sqlite import SqliteDatabase

__all__ = ["TABLES", "StateStore"]

TABLES = ("cursors", "items", "label_journal", "outbox", "comments", "runs", "snapshots", "reviews", "handoffs")


class StateStore:
    """Access to the state. Open with :meth:`open` or :meth:`connect`; use as a context manager to close it."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.marks = TrackerMarks(db)
        self.handoffs = Handoffs(db)
        self.items = Items(db)
        self.journal = Journal(db)
        self.outbox = Outbox(db)
        self.runs = Runs(db)
        self.comments = Comments(db)
        self.snapshots = Snapshots(db)
        self.reviews = Reviews(db)

    @classmethod
    def open(cls, path: Path, *, clock: Clock = utcnow) -> StateStore:
        """Open (creating, with mode 0600) and migrate the SQLite state file.

        Raises:
            StateError: the file cannot be created or read, is not a syncd state file, or comes from a
                newer syncd.
        """
        return cls._migrated(SqliteDatabase.open(path, clock=clock))

    @classmethod
    def connect(
        cls, target: Path | SecretStr, *, clock: Clock = utcnow, lease_ttl: float = DEFAULT_LEASE_TTL
    ) -> StateStore:
        """Open the state a setting names: a ``postgresql://`` URL, else a SQLite file.

        Raises:
            StateError: the state cannot be reached, read or migrated.
        """
        if isinstance(target, Path):
            return cls.open(target, clock=clock)
        return cls._migrated(PostgresDatabase.connect(target, clock=clock, lease_ttl=lease_ttl))

    @classmethod
    def _migrated(cls, db: Database) -> StateStore:
        store = cls(db)
        try:
            store._migrate()
        except (sqlite3.DatabaseError, psycopg.Error) as exc:
            db.close()
            raise StateError(f"{db.location} is not a usable syncd state ({exc})") from None
        except StateError:
            db.close()
            raise
        return store

    @property
    def location(self) -> str:
        """Where the state is, safe to print: the file, or the database without its password."""
        return self._db.location

    @property
    def engine(self) -> str:
        return self._db.dialect.name

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._version(self._db)

    def _version(self, db: Connection | Database) -> int:
        version: int = db.execute(self._db.dialect.read_version).fetchone()[0]
        return version

    def transaction(self) -> AbstractContextManager[Connection]:
        """Group changes of several parts into one atomic unit."""
        return self._db.transaction()

    def _migrate(self) -> None:
        dialect = self._db.dialect
        for version in range(1, SCHEMA_VERSION + 1):
            with self._db.transaction() as db:
                if dialect.migration_lock:
                    db.execute(dialect.migration_lock)
                for statement in dialect.version_setup:
                    db.execute(statement)
                current = self._version(db)
                if current > SCHEMA_VERSION:
                    raise StateError(
                        f"{self.location} was written by a newer syncd (schema {current}; this syncd knows up "
                        f"to {SCHEMA_VERSION}): upgrade syncd or point the state elsewhere"
                    )
                if current >= version:
                    continue
                for statement in MIGRATIONS[version - 1]:
                    db.execute(dialect.ddl(statement))
                db.execute(dialect.write_version.format(version=version))

    def tracker_lock(self, tracker: str) -> AbstractContextManager[None]:
        """Hold the exclusive right to sync ``tracker``: a file lock on SQLite, a lease on PostgreSQL."""
        return self._db.tracker_lock(tracker)

    def share_trackers(self, trackers: Sequence[str]) -> None:
        """On PostgreSQL, share ``trackers`` out with the other service replicas: each holds at most the
        trackers divided by the live replicas, rounded up (see :mod:`syncd.state.leases`)."""
        self._db.share(trackers)

    def holds(self, tracker: str) -> bool:
        """Whether this process holds ``tracker`` now: on PostgreSQL its lease; on SQLite always."""
        return self._db.holds(tracker)

    def on_handoff(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever another replica hands webhook keys over (PostgreSQL only)."""
        self._db.listen(HANDOFF_CHANNEL, callback)

    def shed_extra_trackers(self) -> list[str]:
        """Give up the trackers this replica holds above its share, between syncs; the names given up."""
        return self._db.shed()

    def posting_lease(self, tracker: str) -> AbstractContextManager[None]:
        """What posting a report outside a sync (``report --post``) must hold besides :meth:`report_lock`:
        on PostgreSQL the tracker's lease, which every fenced write checks; on SQLite nothing, since the
        report lock alone keeps two posts apart and a post need not wait for a sync to finish."""
        return self.tracker_lock(tracker) if self.engine == "postgresql" else nullcontext()

    def fence(self, tracker: str) -> float:
        """Check, just before a write to the tracker, that this process may still write it; the moment (on
        :func:`time.monotonic`) until which it surely may, infinite where no other process could take over.
        A write that has not gone out by then must not go out (:mod:`syncd.connectors.fencing`).

        Raises:
            LeaseLost: on PostgreSQL, this replica's lease on ``tracker`` expired or was taken over.
        """
        return self._db.check(tracker)

    def copy_to(self, target: StateStore) -> dict[str, int]:
        """Copy this whole state into the empty ``target`` (see :mod:`.copy`); the rows copied per table.

        Every tracker's lock or lease is held meanwhile, so no sync changes the state under the copy.

        Raises:
            StateError: a tracker is being synced, the target is not empty, or the copy does not match.
        """
        with ExitStack() as held:
            for tracker in self.trackers():
                held.enter_context(self.tracker_lock(tracker))
            return copy_tables(self._db, target._db)

    def report_lock(self, tracker: str, *, wait: float = 120.0) -> AbstractContextManager[None]:
        """Hold the right to post ``tracker``'s report comments, waiting up to ``wait`` seconds for another
        process that posts them: two processes that each looked for the comment before the other created
        it would otherwise both create one. A post is short (each request is bounded), so waiting is the
        right answer, unlike a second sync of the same tracker.

        Raises:
            StateError: another process kept posting for longer than ``wait``.
        """
        return self._db.report_lock(tracker, wait=wait)

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
            for table in TABLES:
                if tracker is None:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 - table names are constants
                else:
                    db.execute(f"DELETE FROM {table} WHERE tracker = ?", (tracker,))  # noqa: S608
