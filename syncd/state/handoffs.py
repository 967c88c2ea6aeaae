"""Keys a webhook named, handed from the replica that received it to the replica that syncs the tracker.

A load balancer sends each webhook to any replica, but only the holder of a tracker's lease may read and
write its issues. A replica that receives keys for a tracker held elsewhere puts them here; the holder
takes them at its next turn of the loop, woken at once on PostgreSQL by a notification on
:data:`HANDOFF_CHANNEL`. Keys are taken by deleting them, so each is read once; one whose read then fails
is left to the next poll, as a key of the replica's own queue is.
"""

from __future__ import annotations

from collections.abc import Sequence

from syncd.state.database import Database

__all__ = ["HANDOFF_CHANNEL", "Handoffs"]

HANDOFF_CHANNEL = "syncd_handoff"


class Handoffs:
    """The ``handoffs`` table (migration 6)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, tracker: str, keys: Sequence[str]) -> None:
        """Hand ``keys`` of ``tracker`` over to its holder; a key already waiting is not added twice."""
        if not keys:
            return
        now = self._db.now()
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO handoffs (tracker, key, handed_at) VALUES (?, ?, ?) ON CONFLICT (tracker, key) DO NOTHING",
                [(tracker, key, now) for key in keys],
            )
            self._db.notify(db, HANDOFF_CHANNEL)

    def take(self, tracker: str) -> list[str]:
        """The keys handed over for ``tracker``, removed as they are taken."""
        with self._db.transaction() as db:
            rows = db.execute("DELETE FROM handoffs WHERE tracker = ? RETURNING key", (tracker,))
            return sorted(str(row[0]) for row in rows)

    def waiting(self) -> int:
        row = self._db.execute("SELECT count(*) FROM handoffs").fetchone()
        return int(row[0])
