"""The state store: one SQLite file (WAL) holding what syncd must not forget between runs.

Tables (DESIGN §9): ``cursors`` (where the last good pull started), ``items`` (last snapshot and
alignment of every issue), ``label_journal`` (which owned labels syncd applied, which a person declined),
``outbox`` (every write, recorded before it is sent and marked done after the tracker confirms it),
``comments`` (the report comment per target issue), ``runs`` and ``snapshots`` (report figures for the
trend). Every multi-row change runs in one transaction, so a crash leaves the last good state; the
journal entry of a label op is written in the same transaction that marks the op done.

The file is created with mode 0600 in a 0700 directory: it names issues and people. ``synchronous=FULL``
makes a committed transaction survive power loss, which is what lets a replay after a crash trust it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from syncd.errors import StateError
from syncd.model import Alignment, JournalEntry, WorkItem
from syncd.state_schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["OutboxEntry", "RunRecord", "StateStore", "StoredComment", "StoredItem"]

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StoredItem:
    item: WorkItem
    alignment: Alignment | None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One pending write. ``payload`` is the op and what to record once it is confirmed."""

    id: int
    tracker: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    tracker: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None


@dataclass(frozen=True, slots=True)
class StoredComment:
    comment_id: str
    body_hash: str
    updated_at: datetime


class StateStore:
    """Access to the state file. Open with :meth:`open`; use as a context manager to close it."""

    def __init__(self, connection: sqlite3.Connection, path: Path, clock: Clock = _utcnow) -> None:
        self._db = connection
        self.path = path
        self._clock = clock

    @classmethod
    def open(cls, path: Path, *, clock: Clock = _utcnow) -> StateStore:
        """Open (creating, with mode 0600) and migrate the state file.

        Raises:
            StateError: the file cannot be created or read, is not a syncd state file, or comes from a
                newer syncd.
        """
        try:
            _create_private(path)
            connection = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state file {path}: {exc}") from None
        store = cls(connection, path, clock)
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
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
        return version

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; nested use joins the outer transaction."""
        if self._db.in_transaction:
            yield self._db
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

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
            with self.transaction() as db:
                for statement in MIGRATIONS[version - 1]:
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {version}")

    def _now(self) -> str:
        return self._clock().isoformat()

    # cursors

    def cursor(self, tracker: str, scope: str = "issues") -> str | None:
        row = self._db.execute(
            "SELECT value FROM cursors WHERE tracker = ? AND scope = ?", (tracker, scope)
        ).fetchone()
        return row[0] if row else None

    def set_cursor(self, tracker: str, value: str, scope: str = "issues") -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO cursors (tracker, scope, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tracker, scope) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (tracker, scope, value, self._now()),
            )

    # items

    def put_items(self, tracker: str, items: Iterable[tuple[WorkItem, Alignment | None]]) -> None:
        now = self._now()
        rows = (
            (
                tracker,
                item.key,
                item.id,
                item.updated.isoformat(),
                json.dumps(item.to_json(), separators=(",", ":")),
                json.dumps(alignment.to_json(), separators=(",", ":")) if alignment else None,
                now,
            )
            for item, alignment in items
        )
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO items (tracker, key, id, updated, snapshot, alignment, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tracker, key) DO UPDATE SET id = excluded.id, "
                "updated = excluded.updated, snapshot = excluded.snapshot, alignment = excluded.alignment, "
                "seen_at = excluded.seen_at",
                rows,
            )

    def item(self, tracker: str, key: str) -> StoredItem | None:
        row = self._db.execute(
            "SELECT snapshot, alignment FROM items WHERE tracker = ? AND key = ?", (tracker, key)
        ).fetchone()
        return _stored_item(row) if row else None

    def items(self, tracker: str) -> Iterator[StoredItem]:
        """Every stored item of a tracker, streamed in key order."""
        rows = self._db.execute(
            "SELECT snapshot, alignment FROM items WHERE tracker = ? ORDER BY key", (tracker,)
        )
        for row in rows:
            yield _stored_item(row)

    def item_keys(self, tracker: str) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT key FROM items WHERE tracker = ?", (tracker,))}

    def count_items(self, tracker: str) -> int:
        count: int = self._db.execute("SELECT count(*) FROM items WHERE tracker = ?", (tracker,)).fetchone()[
            0
        ]
        return count

    def delete_items(self, tracker: str, keys: Iterable[str]) -> None:
        """Forget items (deleted or moved away); their journal goes with them."""
        rows = [(tracker, key) for key in keys]
        with self.transaction() as db:
            db.executemany("DELETE FROM items WHERE tracker = ? AND key = ?", rows)
            db.executemany("DELETE FROM label_journal WHERE tracker = ? AND key = ?", rows)

    # label journal

    def journal(self, tracker: str, keys: Iterable[str]) -> dict[str, JournalEntry]:
        """Journal entries for the given keys; keys never labelled by syncd are absent."""
        found: dict[str, JournalEntry] = {}
        for chunk in _chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, applied, declined FROM label_journal WHERE tracker = ? AND key IN ({marks})",  # noqa: S608
                (tracker, *chunk),
            )
            for key, applied, declined in rows:
                found[key] = JournalEntry(frozenset(json.loads(applied)), frozenset(json.loads(declined)))
        return found

    def put_journal(self, tracker: str, entries: dict[str, JournalEntry]) -> None:
        with self.transaction() as db:
            self._write_journal(db, tracker, entries)

    def _write_journal(self, db: sqlite3.Connection, tracker: str, entries: dict[str, JournalEntry]) -> None:
        now = self._now()
        db.executemany(
            "INSERT INTO label_journal (tracker, key, applied, declined, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (tracker, key) DO UPDATE SET applied = excluded.applied, "
            "declined = excluded.declined, updated_at = excluded.updated_at",
            [
                (tracker, key, json.dumps(sorted(e.applied)), json.dumps(sorted(e.declined)), now)
                for key, e in entries.items()
            ],
        )

    # outbox

    def enqueue(self, tracker: str, kind: str, ops: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
        """Record writes before they are sent; a newer op for the same issue supersedes a pending one."""
        now = self._now()
        ids: list[int] = []
        with self.transaction() as db:
            for key, payload in ops:
                db.execute(
                    "UPDATE outbox SET status = 'superseded', done_at = ? "
                    "WHERE tracker = ? AND kind = ? AND key = ? AND status = 'pending'",
                    (now, tracker, kind, key),
                )
                cursor = db.execute(
                    "INSERT INTO outbox (tracker, kind, key, payload, created_at) VALUES (?, ?, ?, ?, ?)",
                    (tracker, kind, key, json.dumps(payload, separators=(",", ":")), now),
                )
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def pending(self, tracker: str | None = None, kind: str | None = None) -> list[OutboxEntry]:
        """Pending writes, oldest first."""
        query = "SELECT id, tracker, kind, key, payload, attempts, last_error FROM outbox "
        query += "WHERE status = 'pending'"
        args: list[str] = []
        if tracker is not None:
            query += " AND tracker = ?"
            args.append(tracker)
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind)
        rows = self._db.execute(query + " ORDER BY id", args)
        return [OutboxEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows]

    def complete(self, tracker: str, done: Sequence[tuple[int, str, JournalEntry | None]]) -> None:
        """Mark confirmed ops done and store their journal entries, in one transaction."""
        now = self._now()
        with self.transaction() as db:
            db.executemany(
                "UPDATE outbox SET status = 'done', done_at = ? WHERE id = ?",
                [(now, op_id) for op_id, _, _ in done],
            )
            self._write_journal(db, tracker, {key: entry for _, key, entry in done if entry is not None})

    def fail(self, op_id: int, error: str, *, give_up: bool = False) -> None:
        """Count a failed attempt; ``give_up`` parks the op as failed instead of pending."""
        with self.transaction() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, "
                "status = CASE WHEN ? THEN 'failed' ELSE status END WHERE id = ?",
                (error, give_up, op_id),
            )

    # comments

    def comment(self, tracker: str, target: str, period: str) -> StoredComment | None:
        row = self._db.execute(
            "SELECT comment_id, body_hash, updated_at FROM comments "
            "WHERE tracker = ? AND target = ? AND period = ?",
            (tracker, target, period),
        ).fetchone()
        return StoredComment(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    def put_comment(self, tracker: str, target: str, period: str, comment_id: str, body_hash: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO comments (tracker, target, period, comment_id, body_hash, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tracker, target, period) DO UPDATE SET "
                "comment_id = excluded.comment_id, body_hash = excluded.body_hash, "
                "updated_at = excluded.updated_at",
                (tracker, target, period, comment_id, body_hash, self._now()),
            )

    # runs

    def start_run(self, tracker: str) -> int:
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO runs (tracker, started_at) VALUES (?, ?)", (tracker, self._now())
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE id = ?",
                (self._now(), status, json.dumps(counts), error, run_id),
            )

    def runs(self, tracker: str | None = None, limit: int = 10) -> list[RunRecord]:
        """The latest runs, newest first."""
        query = "SELECT id, tracker, started_at, finished_at, status, counts, error FROM runs"
        args: tuple[Any, ...] = ()
        if tracker is not None:
            query += " WHERE tracker = ?"
            args = (tracker,)
        rows = self._db.execute(query + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [
            RunRecord(
                r[0],
                r[1],
                datetime.fromisoformat(r[2]),
                datetime.fromisoformat(r[3]) if r[3] else None,
                r[4],
                json.loads(r[5]),
                r[6],
            )
            for r in rows
        ]

    # snapshots

    def add_snapshot(self, tracker: str, report: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO snapshots (tracker, taken_at, report) VALUES (?, ?, ?)",
                (tracker, self._now(), json.dumps(report)),
            )

    def last_snapshot(self, tracker: str) -> tuple[datetime, dict[str, Any]] | None:
        row = self._db.execute(
            "SELECT taken_at, report FROM snapshots WHERE tracker = ? ORDER BY id DESC LIMIT 1", (tracker,)
        ).fetchone()
        return (datetime.fromisoformat(row[0]), json.loads(row[1])) if row else None

    # whole trackers

    def trackers(self) -> list[str]:
        """Every tracker the store knows anything about."""
        rows = self._db.execute(
            "SELECT tracker FROM cursors UNION SELECT tracker FROM items UNION SELECT tracker FROM runs "
            "UNION SELECT tracker FROM outbox ORDER BY tracker"
        )
        return [row[0] for row in rows]

    def reset(self, tracker: str | None = None) -> None:
        """Forget everything about one tracker, or about all of them."""
        with self.transaction() as db:
            for table in ("cursors", "items", "label_journal", "outbox", "comments", "runs", "snapshots"):
                if tracker is None:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608
                else:
                    db.execute(f"DELETE FROM {table} WHERE tracker = ?", (tracker,))  # noqa: S608


def _stored_item(row: tuple[str, str | None]) -> StoredItem:
    snapshot, alignment = row
    return StoredItem(
        WorkItem.from_json(json.loads(snapshot)),
        Alignment.from_json(json.loads(alignment)) if alignment else None,
    )


def _create_private(path: Path) -> None:
    """Create the state file 0600 in a 0700 directory; tighten an existing file that is wider."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
