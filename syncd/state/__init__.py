"""The state store: cursors, item snapshots, label journal, outbox, comments, runs, snapshots, leases.

SQLite (one file, WAL) on one machine; PostgreSQL when several replicas share the trackers.
"""

from syncd.state.history import Mark, RunRecord, StoredComment
from syncd.state.items import StoredItem
from syncd.state.leases import LeaseLost, TrackerBusy
from syncd.state.outbox import OutboxEntry
from syncd.state.reviews import StoredAnswer
from syncd.state.store import StateStore

__all__ = [
    "LeaseLost",
    "Mark",
    "OutboxEntry",
    "RunRecord",
    "StateStore",
    "StoredAnswer",
    "StoredComment",
    "StoredItem",
    "TrackerBusy",
]
