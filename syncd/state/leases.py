"""Leases: which replica syncs which tracker, timed by the database's clock, with a fencing token.

A replica takes a tracker's lease for ``ttl`` seconds and renews it while it lives; one that dies, is cut
off from the database or is paused past ``ttl`` loses it, and the next replica to ask takes it over with a
larger token. Every write of the outbox and every write to a tracker first checks, in the same
transaction, that the lease still carries the token it was taken with (:meth:`Leases.check`): a replica
that lost its lease and wakes up late finds a newer token and stops before it applies a stale plan.

The check updates the lease row, so on PostgreSQL it also locks it until the write commits: a takeover
waits for the write in flight instead of racing it.

Replicas share the trackers out: each service replica keeps a presence row (``replica:<holder>``, a lease
of its own, renewed like the others), so every replica can count the live ones and hold no more than its
fair share, the trackers divided by the replicas, rounded up. Which ones each holds is first come, first
served; a replica above its share (one joined, or came back) gives the extra leases up after its sync.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncd.errors import LeaseLost, TrackerBusy
from syncd.state.database import Connection, Database

__all__ = ["Lease", "LeaseLost", "Leases", "TrackerBusy", "fair_share"]

PRESENCE = "replica:"
"""The name prefix of the replicas' presence rows: no tracker name has a colon (settings refuse one)."""


def fair_share(trackers: int, replicas: int) -> int:
    """How many trackers one replica may hold: all of them divided among the live replicas, rounded up, so
    that the replicas together can always hold every tracker."""
    return -(-trackers // max(replicas, 1))


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    token: int


class Leases:
    """Lease rows in the state database (migration 3), in SQL both engines speak."""

    def __init__(self, db: Database, *, holder: str, ttl: float) -> None:
        self._db = db
        self.holder = holder
        self.ttl = ttl

    def acquire(self, name: str) -> Lease | None:
        """Take the lease when it is free, expired or already ours; None while another replica holds it."""
        now = self._db.dialect.epoch
        with self._db.transaction() as db:
            row = db.execute(
                "INSERT INTO leases (name, holder, token, expires_at) "  # noqa: S608 - {now} is the dialect's clock
                f"VALUES (?, ?, 1, {now} + ?) ON CONFLICT (name) DO UPDATE SET "
                "token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END, "
                "holder = excluded.holder, expires_at = excluded.expires_at "
                f"WHERE leases.holder = excluded.holder OR leases.expires_at < {now} RETURNING token",
                (name, self.holder, self.ttl),
            ).fetchone()
        return Lease(name, self.holder, int(row[0])) if row else None

    def renew(self, lease: Lease) -> bool:
        """Extend a live lease by ``ttl``; False when it was already lost."""
        now = self._db.dialect.epoch
        with self._db.transaction() as db:
            rows = db.execute(
                f"UPDATE leases SET expires_at = {now} + ? "  # noqa: S608 - {now} is the dialect's clock
                f"WHERE name = ? AND holder = ? AND token = ? AND expires_at >= {now}",
                (self.ttl, lease.name, lease.holder, lease.token),
            )
            return rows.rowcount == 1

    def check(self, db: Connection, lease: Lease) -> float:
        """Inside a write's transaction: the lease is still ours with the same token, else :class:`LeaseLost`;
        the seconds it has left on the database's clock."""
        now = self._db.dialect.epoch
        row = db.execute(
            "UPDATE leases SET token = token "  # noqa: S608 - {now} is the dialect's clock
            f"WHERE name = ? AND holder = ? AND token = ? AND expires_at >= {now} RETURNING expires_at - {now}",
            (lease.name, lease.holder, lease.token),
        ).fetchone()
        if row is None:
            raise LeaseLost(f"the lease on {lease.name} (token {lease.token}) was lost: this replica stops writing it")
        return max(float(row[0]), 0.0)

    def release(self, lease: Lease) -> None:
        """Let the next replica take the lease at once (the token stays, so it takes a larger one)."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND token = ?",
                (lease.name, lease.holder, lease.token),
            )

    def announce(self) -> Lease:
        """This replica's presence row, taken or renewed: it counts among the live replicas for ``ttl``."""
        lease = self.acquire(PRESENCE + self.holder)
        if lease is None:  # the holder is unique to this process, so no other can hold its row
            raise AssertionError(f"the presence of {self.holder} is held by another replica")
        return lease

    def replicas(self) -> int:
        """The live replicas that share the trackers out (those whose presence has not expired)."""
        now = self._db.dialect.epoch
        row = self._db.execute(
            f"SELECT count(*) FROM leases WHERE name LIKE ? AND expires_at >= {now}",  # noqa: S608 - the clock
            (PRESENCE + "%",),
        ).fetchone()
        return int(row[0])

    def holder_of(self, name: str) -> tuple[str, float] | None:
        """Who holds a live lease on ``name`` and for how many more seconds."""
        now = self._db.dialect.epoch
        row = self._db.execute(
            f"SELECT holder, expires_at - {now} FROM leases WHERE name = ? AND expires_at >= {now}",  # noqa: S608
            (name,),
        ).fetchone()
        return (str(row[0]), float(row[1])) if row else None
