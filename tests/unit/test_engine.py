"""The engine against an in-memory tracker: convergence, people's edits, inheritance, crashes."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from syncd.errors import AuthError, BadRequest, SafetyStop, TransientError
from syncd.model import JournalEntry
from syncd.retry import CallStats
from syncd.state import StateStore
from syncd.strategy import Strategy, parse_strategy
from syncd.sync.engine import Engine, SyncOptions
from tests.support.memory_tracker import MemoryTracker

STRATEGY = textwrap.dedent(
    """
    version: 1
    period: "2026-Q4"
    objectives:
      - id: growth
        name: Growth
        target: 0.5
        match: {jira: {projects: [GROW], epics: [GROW-1]}, keywords: [checkout]}
      - id: reliability
        name: Reliability
        target: 0.3
        match: {jira: {projects: [OPS]}, keywords: [outage]}
    values:
      - id: quality
        name: Quality
        match: {keywords: [regression]}
    """
)


@pytest.fixture
def strategy() -> Strategy:
    return parse_strategy(STRATEGY)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "state.db") as opened:
        yield opened


@pytest.fixture
def tracker() -> MemoryTracker:
    tracker = MemoryTracker()
    tracker.create("GROW-1", title="Self-serve epic", type="Epic")
    tracker.create("GROW-2", title="Pricing page", labels={"frontend"})
    tracker.create("OPS-1", title="Pager rota")
    tracker.create("MISC-1", title="Checkout regression")
    tracker.create("MISC-2", title="Office plants")
    return tracker


def sync(strategy: Strategy, store: StateStore, tracker: MemoryTracker, **options: bool):
    engine = Engine(strategy=strategy, store=store, connector=tracker, stats=CallStats())
    return engine.sync(SyncOptions(**options))


def labels(tracker: MemoryTracker) -> dict[str, set[str]]:
    return {key: set(item.labels) for key, item in sorted(tracker.issues.items())}


def test_first_sync_labels_everything_second_writes_nothing(strategy, store, tracker) -> None:
    result = sync(strategy, store, tracker)
    assert result.status == "ok"
    assert result.pulled == 5
    assert result.applied == 5
    assert labels(tracker) == {
        "GROW-1": {"objective:growth"},
        "GROW-2": {"objective:growth", "frontend"},
        "MISC-1": {"objective:growth", "value:quality"},
        "MISC-2": {"alignment:none"},
        "OPS-1": {"objective:reliability"},
    }
    writes = tracker.writes
    again = sync(strategy, store, tracker)
    assert tracker.writes == writes
    assert again.changed == 0
    assert store.outbox.pending() == []


def test_people_edits_survive_and_pins_win(strategy, store, tracker) -> None:
    sync(strategy, store, tracker)
    tracker.person_labels("GROW-2", add=["team-a", "objective:reliability"])
    tracker.person_labels("OPS-1", remove=["objective:reliability"])
    sync(strategy, store, tracker)
    assert labels(tracker)["GROW-2"] == {"frontend", "team-a", "objective:reliability"}, (
        "the pin replaced syncd's label"
    )
    assert labels(tracker)["OPS-1"] == set(), "a label a person removed is not put back"
    assert store.journal.get(tracker.name, ["OPS-1"])["OPS-1"].declined == {"objective:reliability"}
    writes = tracker.writes
    sync(strategy, store, tracker)
    assert tracker.writes == writes


def test_children_follow_their_epic_without_being_pulled(strategy, store, tracker) -> None:
    tracker.create("MISC-3", title="Copy edits", epic="GROW-1")
    sync(strategy, store, tracker)
    assert labels(tracker)["MISC-3"] == {"objective:growth"}
    tracker.person_labels("GROW-1", add=["objective:reliability"])
    result = sync(strategy, store, tracker)
    assert labels(tracker)["MISC-3"] == {"objective:reliability"}
    assert result.applied == 2, "the epic's own label and its child's"


def test_strategy_change_replans_stored_items(strategy, store, tracker) -> None:
    sync(strategy, store, tracker)
    changed = parse_strategy(STRATEGY.replace("keywords: [outage]", "keywords: [outage, plants]"))
    sync(changed, store, tracker)
    assert labels(tracker)["MISC-2"] == {"objective:reliability"}


def test_full_sync_forgets_deleted_issues(strategy, store, tracker) -> None:
    sync(strategy, store, tracker)
    tracker.delete("MISC-2")
    result = sync(strategy, store, tracker, full=True)
    assert result.forgotten == 1
    assert "MISC-2" not in store.items.keys(tracker.name)


def test_safety_stop_when_most_issues_vanish(strategy, store) -> None:
    tracker = MemoryTracker()
    for n in range(30):
        tracker.create(f"OPS-{n + 1}")
    sync(strategy, store, tracker)
    for n in range(20):
        tracker.delete(f"OPS-{n + 1}")
    with pytest.raises(SafetyStop, match="forgetting 20"):
        sync(strategy, store, tracker, full=True)
    assert store.items.count(tracker.name) == 30
    assert sync(strategy, store, tracker, full=True, force=True).forgotten == 20


def test_moved_issue_keeps_its_journal(strategy, store, tracker) -> None:
    sync(strategy, store, tracker)
    tracker.move("OPS-1", "GROW-9")
    sync(strategy, store, tracker)
    assert labels(tracker)["GROW-9"] == {"objective:growth"}, "syncd's old label was not mistaken for a pin"


def test_failed_write_is_retried_next_run(strategy, store, tracker) -> None:
    tracker.fail_writes["MISC-2"] = TransientError("503 after every retry")
    result = sync(strategy, store, tracker)
    assert result.status == "partial"
    assert result.failed == 1
    assert [p.key for p in store.outbox.pending()] == ["MISC-2"]
    del tracker.fail_writes["MISC-2"]
    sync(strategy, store, tracker)
    assert labels(tracker)["MISC-2"] == {"alignment:none"}
    assert store.outbox.pending() == []


def test_rejected_write_is_parked_not_retried(strategy, store, tracker) -> None:
    tracker.fail_writes["MISC-2"] = BadRequest("label refused")
    sync(strategy, store, tracker)
    assert store.outbox.pending() == []


def test_auth_failure_stops_the_run(strategy, store, tracker) -> None:
    tracker.fail_writes["GROW-1"] = AuthError("401")
    with pytest.raises(AuthError):
        sync(strategy, store, tracker)
    assert store.runs.latest()[0].status == "failed"


def test_malformed_item_is_skipped_and_the_rest_synced(strategy, store, tracker) -> None:
    tracker.malformed.add("GROW-2")
    result = sync(strategy, store, tracker)
    assert result.skipped == 1
    assert result.status == "partial"
    assert labels(tracker)["GROW-2"] == {"frontend"}
    assert labels(tracker)["OPS-1"] == {"objective:reliability"}


def untouched_for_an_hour(tracker: MemoryTracker) -> None:
    """Every issue last updated an hour ago: out of reach of an incremental pull's overlap."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    tracker.issues = {key: dataclasses.replace(item, updated=hour_ago) for key, item in tracker.issues.items()}


def test_a_skipped_item_is_read_again_by_key_on_the_next_run(strategy, store, tracker) -> None:
    tracker.malformed.add("GROW-2")
    sync(strategy, store, tracker)
    untouched_for_an_hour(tracker)
    again = sync(strategy, store, tracker)
    assert again.skipped == 1, "still unreadable: skipped again, and tried again next time"
    tracker.malformed.clear()
    fixed = sync(strategy, store, tracker)
    assert fixed.status == "ok"
    assert fixed.pulled == 1, "the unchanged issue came back through its key, not the pull by updated"
    assert "objective:growth" in labels(tracker)["GROW-2"]
    reads = tracker.reads
    sync(strategy, store, tracker)
    assert tracker.reads == reads + 1, "one pull: an issue is read by key only while it is being skipped"


def test_a_skipped_item_that_is_gone_is_let_go(strategy, store, tracker) -> None:
    tracker.malformed.add("GROW-2")
    sync(strategy, store, tracker)
    untouched_for_an_hour(tracker)
    tracker.delete("GROW-2")
    assert sync(strategy, store, tracker).status == "ok"
    reads = tracker.reads
    sync(strategy, store, tracker)
    assert tracker.reads == reads + 1, "one pull, no refetch of an issue that no longer exists"


def test_dry_run_writes_nothing_anywhere(strategy, store, tracker) -> None:
    result = sync(strategy, store, tracker, dry_run=True)
    assert tracker.writes == 0
    assert store.trackers() == []
    assert {c.key for c in result.changes} == set(tracker.issues)
    change = next(c for c in result.changes if c.key == "OPS-1")
    assert change.add == ("objective:reliability",)
    assert change.why == "field (firm), primary reliability: project OPS"


def test_crash_after_write_before_confirmation(strategy, store, tracker) -> None:
    """The op landed on the tracker but the outbox never heard: syncd's label is not a person's pin."""
    sync(strategy, store, tracker)
    tracker.edit("MISC-2", title="Plants outage")
    op = {"id": tracker.issues["MISC-2"].id, "add": ["objective:reliability"], "remove": ["alignment:none"]}
    store.outbox.enqueue(tracker.name, "labels", [("MISC-2", {**op, "applied": op["add"], "declined": []})])
    store.outbox.sending(tracker.name, "labels")
    landed = (tracker.issues["MISC-2"].labels - set(op["remove"])) | set(op["add"])
    tracker.edit("MISC-2", by="syncd", labels=landed)
    writes = tracker.writes
    sync(strategy, store, tracker)
    assert tracker.writes == writes, "nothing left to write"
    assert labels(tracker)["MISC-2"] == {"objective:reliability"}
    assert store.journal.get(tracker.name, ["MISC-2"])["MISC-2"] == JournalEntry(frozenset({"objective:reliability"}))
    assert store.outbox.pending() == []
    sync(strategy, store, tracker)
    tracker.edit("MISC-2", title="Plants")
    sync(strategy, store, tracker)
    assert labels(tracker)["MISC-2"] == {"alignment:none"}, "syncd still owns the label it wrote"


def test_an_op_planned_but_never_sent_is_planned_again_without_reading_history(strategy, store, tracker) -> None:
    """A sync stopped (or crashed) before its writes went out: the op cannot have landed, so the next plan
    of the issue trusts the journal and reads no history."""
    sync(strategy, store, tracker)
    tracker.edit("MISC-2", title="Plants outage")
    op = {"id": tracker.issues["MISC-2"].id, "add": ["objective:reliability"], "remove": ["alignment:none"]}
    store.outbox.enqueue(tracker.name, "labels", [("MISC-2", {**op, "applied": op["add"], "declined": []})])
    [entry] = store.outbox.pending(tracker.name)
    assert not entry.uncertain
    result = sync(strategy, store, tracker)
    assert (result.history_reads, tracker.history_reads) == (0, 0)
    assert labels(tracker)["MISC-2"] == {"objective:reliability"}
    assert store.outbox.pending() == []


def test_a_label_a_person_set_while_syncds_write_of_it_was_unheard_is_their_pin(strategy, store, tracker) -> None:
    """syncd's write never landed (its outcome unknown) and a person put the very label on: the history
    says the person did, so it is a pin, not syncd's label to remove later."""
    sync(strategy, store, tracker)
    tracker.edit("MISC-2", title="Plants outage")
    op = {"id": tracker.issues["MISC-2"].id, "add": ["objective:reliability"], "remove": ["alignment:none"]}
    store.outbox.enqueue(tracker.name, "labels", [("MISC-2", {**op, "applied": op["add"], "declined": []})])
    store.outbox.sending(tracker.name, "labels")
    tracker.person_labels("MISC-2", add=op["add"])
    sync(strategy, store, tracker)
    entry = store.journal.get(tracker.name, ["MISC-2"])["MISC-2"]
    assert entry.persons == {"objective:reliability"}
    assert "objective:reliability" not in entry.applied
    tracker.edit("MISC-2", title="Plants")
    sync(strategy, store, tracker)
    assert "objective:reliability" in labels(tracker)["MISC-2"], "a person's pin is never removed"
