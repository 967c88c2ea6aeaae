"""The outbox: every write is recorded before it is sent and marked done after the tracker confirms it.

The outbox stores what it is given — a kind, the issue key and the payload its sender encoded — and
hands it back; each sender owns its record type, its encoding and what it keeps once a write is
confirmed (:mod:`syncd.sync.writes`, :mod:`syncd.sync.pins`, :mod:`syncd.sync.reports`).

Every step that changes the outbox is fenced (:meth:`~syncd.state.database.Database.fence`): on a
shared database it commits only while this replica still holds the tracker's lease.

A crash at any point therefore leaves either a pending op (sent again on the next run; every op is an
idempotent delta) or a done op with what its sender keeps written in the same transaction. A newer plan for
the same issue supersedes a pending op instead of queueing behind it, so a stale decision is not replayed
after a fresher one was made.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from syncd.state.database import Database, chunks

__all__ = ["Outbox", "OutboxEntry"]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One write as stored; ``payload`` is its sender's encoding of the op and what to keep once confirmed.

    ``uncertain`` says the op may have landed without syncd hearing so: a send was under way at a crash
    (:meth:`Outbox.sending` marks every pending op before the first goes out), or the answer was lost,
    timed out or was a 5xx; an op that replaces such a one inherits it, since the one it replaced may
    still land. An op never sent, and one the tracker refused (a 4xx that says why), are certain not to
    have landed: planning an issue again then needs no look at its history.
    """

    id: int
    tracker: str
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    last_error: str | None
    uncertain: bool = True


_COLUMNS = "SELECT id, tracker, kind, key, payload, attempts, last_error, uncertain FROM outbox"


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def enqueue(self, tracker: str, kind: str, ops: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
        """Record writes before they are sent; each supersedes a pending op of the same issue."""
        now = self._db.now()
        ids: list[int] = []
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            for key, payload in ops:
                uncertain = self._supersede(db, now, tracker, kind, key)
                row = db.execute(
                    "INSERT INTO outbox (tracker, kind, key, payload, created_at, uncertain) "
                    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    (tracker, kind, key, json.dumps(payload, separators=(",", ":")), now, int(uncertain)),
                ).fetchone()
                ids.append(int(row[0]))
        return ids

    def supersede(self, tracker: str, kind: str, keys: Iterable[str]) -> None:
        """Drop pending ops of these issues: a newer plan found nothing left to write."""
        now = self._db.now()
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            for key in keys:
                self._supersede(db, now, tracker, kind, key)

    @staticmethod
    def _supersede(db: Any, now: str, tracker: str, kind: str, key: str) -> bool:
        """Drop the issue's pending op; whether it may have landed unheard."""
        rows = db.execute(
            "UPDATE outbox SET status = 'superseded', done_at = ? "
            "WHERE tracker = ? AND kind = ? AND key = ? AND status = 'pending' RETURNING uncertain",
            (now, tracker, kind, key),
        )
        return any(bool(row[0]) for row in rows)

    def pending(
        self, tracker: str | None = None, kind: str | None = None, *, after: int = 0, limit: int | None = None
    ) -> list[OutboxEntry]:
        """Pending writes, oldest first; ``after`` and ``limit`` page through them by id."""
        query = f"{_COLUMNS} WHERE status = 'pending' AND id > ?"
        args: list[object] = [after]
        if tracker is not None:
            query += " AND tracker = ?"
            args.append(tracker)
        if kind is not None:
            query += " AND kind = ?"
            args.append(kind)
        query += " ORDER BY id"
        if limit is not None:
            query += " LIMIT ?"
            args.append(limit)
        return [_entry(row) for row in self._db.execute(query, args)]

    def refused(self, tracker: str, *, limit: int = 10) -> list[OutboxEntry]:
        """Writes the tracker refused (400/403/404), newest first, that no later plan of the same issue has
        replaced: they are not retried, so a person has to see them to fix the cause."""
        where = (
            "status = 'failed' AND tracker = ? AND NOT EXISTS (SELECT 1 FROM outbox later "
            "WHERE later.tracker = outbox.tracker AND later.kind = outbox.kind AND later.key = outbox.key "
            "AND later.id > outbox.id) ORDER BY id DESC LIMIT ?"
        )
        query = f"{_COLUMNS} WHERE {where}"
        return [_entry(row) for row in self._db.execute(query, (tracker, limit))]

    def pending_for(self, tracker: str, kind: str, keys: Iterable[str]) -> list[OutboxEntry]:
        """Pending writes of these issues."""
        found: list[OutboxEntry] = []
        for chunk in chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            where = f"status = 'pending' AND tracker = ? AND kind = ? AND key IN ({marks}) ORDER BY id"
            query = f"{_COLUMNS} WHERE {where}"
            found += [_entry(row) for row in self._db.execute(query, (tracker, kind, *chunk))]
        return found

    def sending(self, tracker: str, kind: str) -> None:
        """Mark every pending op as possibly landing: a crash from here on leaves their outcome unknown."""
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            db.execute(
                "UPDATE outbox SET uncertain = 1 WHERE tracker = ? AND kind = ? AND status = 'pending'",
                (tracker, kind),
            )

    def complete(self, tracker: str, ids: Sequence[int], *, keep: Callable[[], object] | None = None) -> None:
        """Mark confirmed ops done.

        Args:
            keep: stores what the sender keeps once the tracker confirmed the ops (a journal entry, a
                comment id); it runs inside the transaction that marks them done, so a crash leaves
                both or neither.
        """
        now = self._db.now()
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            db.executemany("UPDATE outbox SET status = 'done', done_at = ? WHERE id = ?", [(now, i) for i in ids])
            if keep is not None:
                keep()

    def confirmed_since(self, tracker: str, kind: str, key: str, since: str) -> list[OutboxEntry]:
        """The ops of one issue that the tracker confirmed, enqueued at or after ``since``, oldest first."""
        rows = self._db.execute(
            f"{_COLUMNS} WHERE tracker = ? AND kind = ? AND key = ? AND status = 'done' AND created_at >= ? "
            "ORDER BY id",
            (tracker, kind, key, since),
        )
        return [_entry(row) for row in rows]

    def fail(self, op_id: int, error: str, *, give_up: bool = False, uncertain: bool = False) -> None:
        """Count a failed attempt; ``give_up`` parks the op as failed instead of pending.

        ``uncertain``: the failure left open whether the op landed (a dropped connection, a timeout, a 5xx).
        """
        with self._db.transaction() as db:
            row = db.execute("SELECT tracker FROM outbox WHERE id = ?", (op_id,)).fetchone()
            if row is not None:
                self._db.fence(db, row[0])
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, uncertain = ?, "
                "status = CASE WHEN ? THEN 'failed' ELSE status END WHERE id = ?",
                (error, int(uncertain), give_up, op_id),
            )


def _entry(row: tuple[Any, ...]) -> OutboxEntry:
    return OutboxEntry(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], bool(row[7]))
