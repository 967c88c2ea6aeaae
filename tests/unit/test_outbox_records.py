"""The outbox's records: each sender's encoding is the stored payload shape, entries stored by an earlier
version still decode (pending writes drain after an upgrade), and what a sender keeps on confirmation
commits with the op marked done or not at all. Every test taking ``store`` runs once per engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from syncd.model import JournalEntry, LabelOp
from syncd.state import OutboxEntry, StateStore
from syncd.sync.pins import PINS, PinWrite
from syncd.sync.reports import COMMENT, CommentWrite
from syncd.sync.writes import LABELS, LabelWrite

TRACKER = "jira.acme"


@pytest.fixture
def store(state_target: Path | SecretStr) -> Iterator[StateStore]:
    with StateStore.connect(state_target) as opened:
        with opened.tracker_lock(TRACKER):
            pass
        yield opened


def stored(store: StateStore, kind: str, key: str, payload: dict[str, Any]) -> OutboxEntry:
    """The entry as the outbox hands it back after storing ``payload``."""
    [op_id] = store.outbox.enqueue(TRACKER, kind, [(key, payload)])
    [entry] = [entry for entry in store.outbox.pending(TRACKER, kind) if entry.id == op_id]
    return entry


def test_a_label_write_is_stored_in_its_payload_shape_and_read_back(store: StateStore) -> None:
    write = LabelWrite(
        LabelOp(TRACKER, "10001", "GROW-1", frozenset({"objective:growth"}), frozenset({"objective:ops"})),
        JournalEntry(frozenset({"objective:growth"}), frozenset({"value:b", "value:a"}), frozenset({"team:x"})),
    )
    assert write.encode() == {
        "id": "10001",
        "add": ["objective:growth"],
        "remove": ["objective:ops"],
        "applied": ["objective:growth"],
        "declined": ["value:a", "value:b"],
        "persons": ["team:x"],
    }
    assert LabelWrite.decode(stored(store, LABELS, write.key, write.encode())) == write


def test_label_writes_stored_by_earlier_versions_still_decode(store: StateStore) -> None:
    """A payload without the journal's later parts (persons, then declined) reads them as empty."""
    entry = stored(store, LABELS, "GROW-2", {"id": 10002, "add": ["objective:growth"], "remove": [], "applied": []})
    assert LabelWrite.decode(entry) == LabelWrite(
        LabelOp(TRACKER, "10002", "GROW-2", frozenset({"objective:growth"})), JournalEntry()
    )


def test_a_pin_is_stored_in_its_payload_shape_and_keeps_the_persons_label(store: StateStore) -> None:
    pin = PinWrite(LabelOp(TRACKER, "10003", "GROW-3", frozenset({"objective:ops"}), frozenset({"objective:growth"})))
    assert pin.encode() == {"id": "10003", "add": ["objective:ops"], "remove": ["objective:growth"]}
    assert PinWrite.decode(stored(store, PINS, pin.key, pin.encode())) == pin
    journal = JournalEntry(applied=frozenset({"objective:growth"}), declined=frozenset({"objective:ops"}))
    assert pin.confirmed(journal) == JournalEntry(persons=frozenset({"objective:ops"}))


def test_a_comment_is_stored_in_its_payload_shape_and_read_back(store: StateStore) -> None:
    adf = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": []}]}
    write = CommentWrite("STRAT-1", "syncd:jira.acme", adf, "f00d", "*")
    payload = {"target": "STRAT-1", "marker": "syncd:jira.acme", "body": adf, "hash": "f00d", "period": "*"}
    assert write.encode() == payload
    assert CommentWrite.decode(stored(store, COMMENT, "STRAT-1:*", payload)) == write


def test_what_a_sender_keeps_commits_with_the_op_done(store: StateStore) -> None:
    [op_id] = store.outbox.enqueue(TRACKER, LABELS, [("GROW-1", {"id": "1", "add": ["a"], "remove": []})])
    journal = {"GROW-1": JournalEntry(frozenset({"a"}))}
    store.outbox.complete(TRACKER, [op_id], keep=lambda: store.journal.put(TRACKER, journal))
    assert store.outbox.pending(TRACKER) == []
    assert store.journal.get(TRACKER, ["GROW-1"]) == journal


def test_a_failure_to_keep_leaves_the_op_pending(store: StateStore) -> None:
    """Neither half commits alone: the op is sent again, and confirmed with its journal next time."""
    [op_id] = store.outbox.enqueue(TRACKER, LABELS, [("GROW-1", {"id": "1", "add": ["a"], "remove": []})])

    def keep() -> None:
        store.journal.put(TRACKER, {"GROW-1": JournalEntry(frozenset({"a"}))})
        raise RuntimeError("the disk filled up")

    with pytest.raises(RuntimeError, match="disk"):
        store.outbox.complete(TRACKER, [op_id], keep=keep)
    assert [entry.id for entry in store.outbox.pending(TRACKER)] == [op_id]
    assert store.journal.get(TRACKER, ["GROW-1"]) == {}
