"""What syncd did and where it left off: per-tracker marks (the pull cursor and its kin), runs, report
comments and report snapshots."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from syncd.state.database import Database

__all__ = ["Comments", "Mark", "RunRecord", "Runs", "Snapshots", "StoredComment", "TrackerMarks"]


class Mark(StrEnum):
    """The small values kept per tracker, each under its own name.

    They share one table (``cursors``, its name since the first schema) as (tracker, scope, value) rows;
    the enum's values are the stored scopes, so a state written before the names existed reads the same.
    """

    PULL_CURSOR = "issues"
    """The instant, on the tracker's clock, the next incremental pull starts from."""
    STRATEGY = "strategy"
    """The fingerprint of the strategy the pull cursor was taken under: a changed strategy pulls again."""
    SKIPPED = "skipped"
    """The keys the last pull could not read, as a JSON list: read again on the next sync."""
    SINCE_SWEEP = "since-sweep"
    """Incremental syncs since the last full sweep, so every process sweeps on one schedule."""
    PROFILE = "profile"
    """What the tracker said of itself (Jira deployment, time zone, fields), as JSON: a hint for the next run."""
    SIMILAR_ITEMS = "similar-items"
    """The model of similar items the last full pull learnt, with the strategy's fingerprint, as JSON."""
    LAST_WEBHOOK = "webhook"
    """When the last verified webhook delivery arrived, for ``syncd check`` and the relaxed poll."""

    @property
    def fenced(self) -> bool:
        """Whether only the holder of the tracker's lease may set it: every mark of the sync is, but any
        replica's receiver may note that a webhook arrived."""
        return self is not Mark.LAST_WEBHOOK


class TrackerMarks:
    """The :class:`Mark` values of each tracker."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tracker: str, mark: Mark) -> str | None:
        row = self._db.execute(
            "SELECT value FROM cursors WHERE tracker = ? AND scope = ?", (tracker, mark.value)
        ).fetchone()
        return row[0] if row else None

    def set(self, tracker: str, mark: Mark, value: str) -> None:
        with self._db.transaction() as db:
            if mark.fenced:
                self._db.fence(db, tracker)
            db.execute(
                "INSERT INTO cursors (tracker, scope, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (tracker, scope) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (tracker, mark.value, value, self._db.now()),
            )


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    tracker: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: dict[str, Any]
    error: str | None


class Runs:
    def __init__(self, db: Database) -> None:
        self._db = db

    def start(self, tracker: str) -> int:
        with self._db.transaction() as db:
            row = db.execute(
                "INSERT INTO runs (tracker, started_at) VALUES (?, ?) RETURNING id", (tracker, self._db.now())
            ).fetchone()
            return int(row[0])

    def finish(self, run_id: int, status: str, counts: dict[str, Any], error: str | None = None) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE id = ?",
                (self._db.now(), status, json.dumps(counts), error, run_id),
            )

    def latest(self, tracker: str | None = None, limit: int = 10) -> list[RunRecord]:
        """The latest runs, newest first."""
        query = "SELECT id, tracker, started_at, finished_at, status, counts, error FROM runs"
        args: list[object] = []
        if tracker is not None:
            query += " WHERE tracker = ?"
            args.append(tracker)
        rows = self._db.execute(query + " ORDER BY id DESC LIMIT ?", [*args, limit])
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


@dataclass(frozen=True, slots=True)
class StoredComment:
    comment_id: str
    body_hash: str
    updated_at: datetime


class Comments:
    """The report comment per target issue and period, so it is edited in place, never duplicated."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tracker: str, target: str, period: str) -> StoredComment | None:
        row = self._db.execute(
            "SELECT comment_id, body_hash, updated_at FROM comments WHERE tracker = ? AND target = ? AND period = ?",
            (tracker, target, period),
        ).fetchone()
        return StoredComment(row[0], row[1], datetime.fromisoformat(row[2])) if row else None

    def put(self, tracker: str, target: str, period: str, comment_id: str, body_hash: str) -> None:
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            db.execute(
                "INSERT INTO comments (tracker, target, period, comment_id, body_hash, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tracker, target, period) DO UPDATE SET "
                "comment_id = excluded.comment_id, body_hash = excluded.body_hash, updated_at = excluded.updated_at",
                (tracker, target, period, comment_id, body_hash, self._db.now()),
            )


class Snapshots:
    """The figures of each report, for the trend."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, tracker: str, report: dict[str, Any]) -> None:
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO snapshots (tracker, taken_at, report) VALUES (?, ?, ?)",
                (tracker, self._db.now(), json.dumps(report)),
            )

    def last(self, tracker: str) -> tuple[datetime, dict[str, Any]] | None:
        row = self._db.execute(
            "SELECT taken_at, report FROM snapshots WHERE tracker = ? ORDER BY id DESC LIMIT 1", (tracker,)
        ).fetchone()
        return (datetime.fromisoformat(row[0]), json.loads(row[1])) if row else None

    def recent(self, tracker: str, *, limit: int = 400) -> list[dict[str, Any]]:
        """The last ``limit`` reports, oldest first: the series a report's history chart draws."""
        rows = list(
            self._db.execute(
                "SELECT report FROM snapshots WHERE tracker = ? ORDER BY id DESC LIMIT ?", (tracker, limit)
            )
        )
        return [json.loads(row[0]) for row in reversed(rows)]
