"""Moving a state from one engine to the other (``syncd state copy``): SQLite to PostgreSQL and back.

Every table is copied row for row with its ids, in one transaction on the target, so the outbox keeps
its order, a pending op keeps its id and the journal, history and report comments come along whole; a
copy that fails leaves the target as it was. The target must be empty: a copy never merges two states.
Leases are not copied: they belong to the replicas running now, and a copy is made with them stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from syncd.errors import StateError
from syncd.state.database import Database

__all__ = ["COPIED_TABLES", "copy_tables"]

COPIED_TABLES = ("cursors", "items", "label_journal", "outbox", "comments", "runs", "snapshots", "reviews")
_IDENTITY_TABLES = ("outbox", "runs", "snapshots")
_BATCH = 1000


def copy_tables(source: Database, target: Database) -> dict[str, int]:
    """Copy every table of ``source`` into the empty ``target``; the rows copied per table.

    Raises:
        StateError: the target already holds state, or the copy does not match the source.
    """
    held = [table for table in COPIED_TABLES if _count(target, table)]
    if held:
        raise StateError(
            f"{target.location} already holds state ({', '.join(held)}): copy into an empty state, "
            "or reset that one first"
        )
    copied: dict[str, int] = {}
    with target.transaction() as db:
        for table in COPIED_TABLES:
            columns = _columns(source, table)
            if columns != _columns(target, table):
                raise StateError(f"{table} differs between {source.location} and {target.location}")
            names = ", ".join(columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
            rows = iter(source.execute(f"SELECT {names} FROM {table}"))  # noqa: S608 - names from the schema
            copied[table] = 0
            for batch in _batches(rows):
                db.executemany(insert, batch)
                copied[table] += len(batch)
        if target.dialect.identity_reset:
            for table in _IDENTITY_TABLES:
                db.execute(target.dialect.identity_reset.format(table=table))
    for table, count in copied.items():
        if _count(target, table) != count or _count(source, table) != count:
            raise StateError(f"the copy of {table} does not match its source ({count} rows copied)")
    return copied


def _columns(db: Database, table: str) -> list[str]:
    return [str(row[0]) for row in db.execute(db.dialect.columns, (table,))]


def _count(db: Database, table: str) -> int:
    count: int = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - a constant
    return count


def _batches(rows: Iterator[Any]) -> Iterator[list[Any]]:
    while batch := list(islice(rows, _BATCH)):
        yield batch
