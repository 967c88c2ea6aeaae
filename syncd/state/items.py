"""Item snapshots with their alignment, and the label journal: what syncd last saw and what it wrote."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from syncd.model import Alignment, JournalEntry, WorkItem
from syncd.state.database import Database, chunks

__all__ = ["Items", "Journal", "StoredItem"]

_SELECT = "SELECT snapshot, alignment FROM items WHERE tracker = ?"
_SELECT_LINKS = "SELECT key, parent, epic FROM items WHERE tracker = ?"


@dataclass(frozen=True, slots=True)
class StoredItem:
    item: WorkItem
    alignment: Alignment | None


class Items:
    """The last snapshot of every issue, so drift and inheritance work without asking the tracker."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, tracker: str, items: Iterable[tuple[WorkItem, Alignment | None]]) -> None:
        now = self._db.now()
        rows = [
            (
                tracker,
                item.key,
                item.id,
                item.updated.isoformat(),
                item.parent,
                item.epic,
                json.dumps(item.to_json(), separators=(",", ":")),
                json.dumps(alignment.to_json(), separators=(",", ":")) if alignment else None,
                now,
            )
            for item, alignment in items
        ]
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO items (tracker, key, id, updated, parent, epic, snapshot, alignment, seen_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tracker, key) DO UPDATE SET id = excluded.id, "
                "updated = excluded.updated, parent = excluded.parent, epic = excluded.epic, "
                "snapshot = excluded.snapshot, alignment = excluded.alignment, seen_at = excluded.seen_at",
                rows,
            )

    def get(self, tracker: str, key: str) -> StoredItem | None:
        row = self._db.execute(f"{_SELECT} AND key = ?", (tracker, key)).fetchone()
        return _stored(row) if row else None

    def seen_at(self, tracker: str, key: str) -> str | None:
        """When the item's snapshot was stored: the writes confirmed since then are not in it."""
        row = self._db.execute("SELECT seen_at FROM items WHERE tracker = ? AND key = ?", (tracker, key)).fetchone()
        return str(row[0]) if row else None

    def by_key(self, tracker: str, keys: Iterable[str]) -> dict[str, StoredItem]:
        found: dict[str, StoredItem] = {}
        for chunk in chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"{_SELECT} AND key IN ({marks})", (tracker, *chunk)):
                stored = _stored(row)
                found[stored.item.key] = stored
        return found

    def all(self, tracker: str) -> Iterator[StoredItem]:
        """Every stored item of a tracker, streamed in key order."""
        for row in self._db.execute(f"{_SELECT} ORDER BY key", (tracker,)):
            yield _stored(row)

    def children(self, tracker: str, keys: Iterable[str]) -> Iterator[tuple[str, str | None, str | None]]:
        """Items whose parent or epic is one of ``keys``, as (key, parent, epic), each once.

        Links only, streamed: on a cold sync every item's ancestor changed, and decoding every child's
        snapshot just to learn which few need planning again would hold the whole tracker in memory.
        """
        seen: set[str] = set()
        for chunk in chunks(list(keys), 400):
            marks = ",".join("?" * len(chunk))
            query = f"{_SELECT_LINKS} AND (parent IN ({marks}) OR epic IN ({marks}))"
            for key, parent, epic in self._db.execute(query, (tracker, *chunk, *chunk)):
                if key not in seen:
                    seen.add(key)
                    yield key, parent, epic

    def key_of(self, tracker: str, item_id: str) -> str | None:
        """The key an issue id is stored under (a moved issue changes key, never id)."""
        row = self._db.execute("SELECT key FROM items WHERE tracker = ? AND id = ?", (tracker, item_id)).fetchone()
        return row[0] if row else None

    def keys(self, tracker: str) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT key FROM items WHERE tracker = ?", (tracker,))}

    def count(self, tracker: str) -> int:
        count: int = self._db.execute("SELECT count(*) FROM items WHERE tracker = ?", (tracker,)).fetchone()[0]
        return count

    def delete(self, tracker: str, keys: Iterable[str]) -> None:
        """Forget items (deleted or moved out of scope); their journal goes with them."""
        rows = [(tracker, key) for key in keys]
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            db.executemany("DELETE FROM items WHERE tracker = ? AND key = ?", rows)
            db.executemany("DELETE FROM label_journal WHERE tracker = ? AND key = ?", rows)

    def rekey(self, tracker: str, old: str, new: str) -> None:
        """Carry a moved issue's journal to its new key and forget the old key."""
        with self._db.transaction() as db:
            self._db.fence(db, tracker)
            db.execute(
                "DELETE FROM label_journal WHERE tracker = ? AND key = ? AND EXISTS "
                "(SELECT 1 FROM label_journal WHERE tracker = ? AND key = ?)",
                (tracker, new, tracker, old),
            )
            db.execute("UPDATE label_journal SET key = ? WHERE tracker = ? AND key = ?", (new, tracker, old))
            db.execute("DELETE FROM items WHERE tracker = ? AND key = ?", (tracker, old))
            db.execute(
                "UPDATE outbox SET status = 'superseded' WHERE tracker = ? AND key = ? AND status = 'pending'",
                (tracker, old),
            )


class Journal:
    """Which owned labels syncd applied to each issue, and which a person declined."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tracker: str, keys: Iterable[str]) -> dict[str, JournalEntry]:
        """Entries for the given keys; keys never labelled by syncd are absent."""
        found: dict[str, JournalEntry] = {}
        for chunk in chunks(list(keys), 500):
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, applied, declined, persons FROM label_journal WHERE tracker = ? AND key IN ({marks})",  # noqa: S608
                (tracker, *chunk),
            )
            for key, applied, declined, persons in rows:
                found[key] = JournalEntry(
                    frozenset(json.loads(applied)), frozenset(json.loads(declined)), frozenset(json.loads(persons))
                )
        return found

    def put(self, tracker: str, entries: dict[str, JournalEntry]) -> None:
        now = self._db.now()
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO label_journal (tracker, key, applied, declined, persons, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tracker, key) DO UPDATE SET applied = excluded.applied, "
                "declined = excluded.declined, persons = excluded.persons, updated_at = excluded.updated_at",
                [
                    (tracker, key, _labels(e.applied), _labels(e.declined), _labels(e.persons), now)
                    for key, e in entries.items()
                ],
            )


def _stored(row: tuple[str, str | None]) -> StoredItem:
    snapshot, alignment = row
    return StoredItem(
        WorkItem.from_json(json.loads(snapshot)),
        Alignment.from_json(json.loads(alignment)) if alignment else None,
    )


def _labels(labels: frozenset[str]) -> str:
    return json.dumps(sorted(labels))
