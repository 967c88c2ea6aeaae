"""The state store on a real SQLite file: modes, WAL, migrations, atomic changes."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncd.errors import StateError
from syncd.model import Alignment, JournalEntry, Reason, Rule, TargetKind
from syncd.state import StateStore
from syncd.state_schema import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import make_item

TRACKER = "jira.acme"


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    with StateStore.open(tmp_path / "state" / "syncd.db") as opened:
        yield opened


def test_new_file_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "syncd.db"
    with StateStore.open(path) as store:
        store.set_cursor(TRACKER, "2026-11-01T00:00:00+00:00")
        assert store.schema_version == SCHEMA_VERSION
        mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        for file in (path, path.with_name("syncd.db-wal")):
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_existing_wide_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "syncd.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    StateStore.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "syncd.db"
    item = make_item("GROW-1", labels={"objective:growth", "frontend"})
    alignment = Alignment(
        "GROW-1",
        ("growth",),
        ("quality",),
        (Reason(Rule.FIELD, TargetKind.OBJECTIVE, "growth", "project GROW"),),
        Rule.FIELD,
    )
    with StateStore.open(path) as store:
        store.set_cursor(TRACKER, "c1")
        store.put_items(TRACKER, [(item, alignment)])
        store.put_journal(TRACKER, {"GROW-1": JournalEntry(frozenset({"objective:growth"}))})
    with StateStore.open(path) as store:
        assert store.cursor(TRACKER) == "c1"
        stored = store.item(TRACKER, "GROW-1")
        assert stored is not None
        assert stored.item == item
        assert stored.alignment == alignment
        assert store.journal(TRACKER, ["GROW-1", "GROW-2"]) == {
            "GROW-1": JournalEntry(frozenset({"objective:growth"}))
        }


def test_migrating_an_older_schema_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        old.execute(statement)
    old.execute("PRAGMA user_version = 1")
    old.execute("INSERT INTO cursors VALUES ('jira.acme', 'issues', 'old-cursor', '2026-01-01')")
    old.commit()
    old.close()
    with StateStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.cursor(TRACKER) == "old-cursor"
        store.put_comment(TRACKER, "STRAT-1", "2026-Q4", "10001", "abc")
        assert store.comment(TRACKER, "STRAT-1", "2026-Q4") is not None


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    future = sqlite3.connect(path)
    future.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    future.close()
    with pytest.raises(StateError, match="newer syncd"):
        StateStore.open(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError, match="not a usable syncd state file"):
        StateStore.open(path)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StateError, match="cannot open the state file"):
        StateStore.open(blocker / "syncd.db")


def test_outbox_lifecycle_with_journal_in_one_transaction(store: StateStore) -> None:
    [first] = store.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:growth"]})])
    [second] = store.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:ops"]})])
    pending = store.pending(TRACKER)
    assert [p.id for p in pending] == [second], "a newer op for the same issue supersedes"
    store.fail(second, "503")
    assert store.pending(TRACKER)[0].attempts == 1
    store.complete(TRACKER, [(second, "GROW-1", JournalEntry(frozenset({"objective:ops"})))])
    assert store.pending(TRACKER) == []
    assert store.journal(TRACKER, ["GROW-1"])["GROW-1"].applied == {"objective:ops"}
    assert first != second


def test_failed_transaction_leaves_nothing(store: StateStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.set_cursor(TRACKER, "half")
        store.enqueue(TRACKER, "labels", [("GROW-1", {})])
        raise RuntimeError("crash")
    assert store.cursor(TRACKER) is None
    assert store.pending() == []


def test_give_up_parks_an_op(store: StateStore) -> None:
    [op] = store.enqueue(TRACKER, "labels", [("GROW-1", {})])
    store.fail(op, "400 bad label", give_up=True)
    assert store.pending() == []


def test_runs_newest_first(store: StateStore) -> None:
    first = store.start_run(TRACKER)
    store.finish_run(first, "ok", {"pulled": 3})
    second = store.start_run("linear.acme")
    runs = store.runs()
    assert [r.id for r in runs] == [second, first]
    assert runs[1].counts == {"pulled": 3}
    assert runs[0].finished_at is None
    assert [r.id for r in store.runs(TRACKER)] == [first]


def test_snapshots_and_comments(store: StateStore) -> None:
    assert store.last_snapshot(TRACKER) is None
    store.add_snapshot(TRACKER, {"score": 0.7})
    store.add_snapshot(TRACKER, {"score": 0.8})
    snapshot = store.last_snapshot(TRACKER)
    assert snapshot is not None
    assert snapshot[1] == {"score": 0.8}
    store.put_comment(TRACKER, "STRAT-1", "2026-Q4", "1", "h1")
    store.put_comment(TRACKER, "STRAT-1", "2026-Q4", "1", "h2")
    comment = store.comment(TRACKER, "STRAT-1", "2026-Q4")
    assert comment is not None
    assert comment.body_hash == "h2"


def test_items_stream_and_delete_with_journal(store: StateStore) -> None:
    store.put_items(TRACKER, [(make_item(f"GROW-{n}"), None) for n in range(1, 4)])
    store.put_journal(TRACKER, {"GROW-2": JournalEntry(frozenset({"alignment:none"}))})
    assert [s.item.key for s in store.items(TRACKER)] == ["GROW-1", "GROW-2", "GROW-3"]
    store.delete_items(TRACKER, ["GROW-2"])
    assert store.item_keys(TRACKER) == {"GROW-1", "GROW-3"}
    assert store.journal(TRACKER, ["GROW-2"]) == {}
    assert store.count_items(TRACKER) == 2


def test_reset_one_tracker_or_all(store: StateStore) -> None:
    store.set_cursor(TRACKER, "a")
    store.set_cursor("linear.acme", "b")
    assert store.trackers() == ["jira.acme", "linear.acme"]
    store.reset(TRACKER)
    assert store.trackers() == ["linear.acme"]
    store.reset()
    assert store.trackers() == []


def test_clock_is_injectable(tmp_path: Path) -> None:
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    with StateStore.open(tmp_path / "s.db", clock=lambda: moment) as store:
        run = store.start_run(TRACKER)
        assert store.runs()[0].started_at == moment
        assert run == 1
