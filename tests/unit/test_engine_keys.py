"""``Engine.sync_keys``: what a webhook triggers — a read of the named issues only, planned as in a sync."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.retry import CallStats
from syncd.state import Mark, StateStore
from syncd.strategy import parse_strategy
from syncd.sync.engine import Engine
from tests.support.memory_tracker import MemoryTracker
from tests.unit.test_engine import STRATEGY


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "state.db") as opened:
        yield opened


def _engine(store: StateStore, tracker: MemoryTracker) -> Engine:
    return Engine(strategy=parse_strategy(STRATEGY), store=store, connector=tracker, stats=CallStats())


def test_only_the_named_issues_are_read_and_labelled_and_the_cursor_stays(store: StateStore) -> None:
    tracker = MemoryTracker()
    tracker.create("GROW-1", title="Pricing page")
    tracker.create("OPS-1", title="Pager rota")
    engine = _engine(store, tracker)
    engine.sync()
    cursor = store.marks.get(tracker.name, Mark.PULL_CURSOR)
    tracker.create("GROW-2", title="Checkout button")
    tracker.create("MISC-1", title="Outage drill")
    reads = tracker.reads

    result = engine.sync_keys(["GROW-2"])

    assert tracker.reads - reads == 1
    assert result.pulled == 1
    assert result.applied == 1
    assert "objective:growth" in tracker.issues["GROW-2"].labels
    assert "objective:reliability" not in tracker.issues["MISC-1"].labels
    assert store.marks.get(tracker.name, Mark.PULL_CURSOR) == cursor


def test_an_echo_of_syncd_own_write_costs_one_read_and_no_write(store: StateStore) -> None:
    tracker = MemoryTracker()
    tracker.create("GROW-1", title="Pricing page")
    engine = _engine(store, tracker)
    engine.sync()
    writes, reads = tracker.writes, tracker.reads

    result = engine.sync_keys(["GROW-1"])

    assert (tracker.reads - reads, tracker.writes - writes) == (1, 0)
    assert result.changed == 0


def test_a_person_pin_seen_through_a_webhook_is_kept(store: StateStore) -> None:
    tracker = MemoryTracker()
    tracker.create("MISC-1", title="Office plants")
    engine = _engine(store, tracker)
    engine.sync()
    tracker.person_labels("MISC-1", add=["objective:reliability"])

    engine.sync_keys(["MISC-1"])

    labels = tracker.issues["MISC-1"].labels
    assert "objective:reliability" in labels
    assert "alignment:none" not in labels


def test_a_deleted_issue_named_by_an_event_reads_nothing_and_writes_nothing(store: StateStore) -> None:
    tracker = MemoryTracker()
    tracker.create("GROW-1", title="Pricing page")
    engine = _engine(store, tracker)
    engine.sync()
    tracker.delete("GROW-1")
    writes = tracker.writes

    result = engine.sync_keys(["GROW-1"])

    assert result.pulled == 0
    assert tracker.writes == writes
