"""The state store (SQLite, WAL): cursors, item snapshots, label journal, outbox, comments, runs, snapshots."""

from syncd.state.history import RunRecord, StoredComment
from syncd.state.items import StoredItem
from syncd.state.outbox import OutboxEntry
from syncd.state.store import StateStore

__all__ = ["OutboxEntry", "RunRecord", "StateStore", "StoredComment", "StoredItem"]
