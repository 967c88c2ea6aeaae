"""The state store on a real SQLite file and a real PostgreSQL database: modes, WAL, migrations, atomic
changes. Every test taking ``store`` or ``state_target`` runs once per engine."""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from syncd.errors import StateError
from syncd.model import Alignment, JournalEntry, Reason, Rule, TargetKind
from syncd.state import Mark, StateStore, StoredAnswer
from syncd.state.schema import MIGRATIONS, SCHEMA_VERSION
from tests.conftest import make_item

TRACKER = "jira.acme"


@pytest.fixture
def store(state_target: Path | SecretStr) -> Iterator[StateStore]:
    """A fresh store on each engine, holding the leases of the trackers the tests write."""
    with StateStore.connect(state_target) as opened:
        for tracker in (TRACKER, "linear.acme"):
            with opened.tracker_lock(tracker):
                pass
        yield opened


def test_new_file_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "syncd.db"
    with StateStore.open(path) as store:
        store.marks.set(TRACKER, Mark.PULL_CURSOR, "2026-11-01T00:00:00+00:00")
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


def test_reopen_keeps_everything(state_target: Path | SecretStr) -> None:
    path = state_target
    item = make_item("GROW-1", labels={"objective:growth", "frontend"})
    alignment = Alignment(
        "GROW-1",
        ("growth",),
        ("quality",),
        (Reason(Rule.FIELD, TargetKind.OBJECTIVE, "growth", "project GROW"),),
        Rule.FIELD,
    )
    with StateStore.connect(path) as store, store.tracker_lock(TRACKER):
        store.marks.set(TRACKER, Mark.PULL_CURSOR, "c1")
        store.items.put(TRACKER, [(item, alignment)])
        store.journal.put(TRACKER, {"GROW-1": JournalEntry(frozenset({"objective:growth"}))})
    with StateStore.connect(path) as store:
        assert store.marks.get(TRACKER, Mark.PULL_CURSOR) == "c1"
        stored = store.items.get(TRACKER, "GROW-1")
        assert stored is not None
        assert stored.item == item
        assert stored.alignment == alignment
        assert store.journal.get(TRACKER, ["GROW-1", "GROW-2"]) == {
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
        assert store.marks.get(TRACKER, Mark.PULL_CURSOR) == "old-cursor"
        store.comments.put(TRACKER, "STRAT-1", "2026-Q4", "10001", "abc")
        assert store.comments.get(TRACKER, "STRAT-1", "2026-Q4") is not None


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
    [first] = store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:growth"]})])
    [second] = store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:ops"]})])
    pending = store.outbox.pending(TRACKER)
    assert [p.id for p in pending] == [second], "a newer op for the same issue supersedes"
    store.outbox.fail(second, "503")
    assert store.outbox.pending(TRACKER)[0].attempts == 1
    journal = {"GROW-1": JournalEntry(frozenset({"objective:ops"}))}
    store.outbox.complete(TRACKER, [second], keep=lambda: store.journal.put(TRACKER, journal))
    assert store.outbox.pending(TRACKER) == []
    assert store.journal.get(TRACKER, ["GROW-1"])["GROW-1"].applied == {"objective:ops"}
    assert first != second


def test_failed_transaction_leaves_nothing(store: StateStore) -> None:
    def crash() -> None:
        with store.transaction():
            store.marks.set(TRACKER, Mark.PULL_CURSOR, "half")
            store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {})])
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        crash()
    assert store.marks.get(TRACKER, Mark.PULL_CURSOR) is None
    assert store.outbox.pending() == []


def test_an_op_is_certain_until_sent_and_one_replacing_an_uncertain_op_inherits_it(store: StateStore) -> None:
    """Never sent, an op cannot have landed; once sending began it may have, and so may the op it replaced."""
    store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:growth"]})])
    store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:ops"]})])
    assert [op.uncertain for op in store.outbox.pending(TRACKER)] == [False], "planned twice, sent never"
    store.outbox.sending(TRACKER, "labels")
    assert [op.uncertain for op in store.outbox.pending(TRACKER)] == [True]
    store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:reliability"]}), ("OPS-1", {})])
    assert {op.key: op.uncertain for op in store.outbox.pending(TRACKER)} == {"GROW-1": True, "OPS-1": False}
    [ops] = [op.id for op in store.outbox.pending(TRACKER) if op.key == "OPS-1"]
    store.outbox.fail(ops, "400 bad label")
    store.outbox.enqueue(TRACKER, "labels", [("OPS-1", {"add": ["objective:ops"]})])
    assert {op.key: op.uncertain for op in store.outbox.pending(TRACKER)} == {"GROW-1": True, "OPS-1": False}


def test_give_up_parks_an_op(store: StateStore) -> None:
    [op] = store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {})])
    store.outbox.fail(op, "400 bad label", give_up=True)
    assert store.outbox.pending() == []


def test_refused_writes_are_listed_until_a_later_plan_replaces_them(store: StateStore) -> None:
    [grow] = store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:growth"]})])
    [ops] = store.outbox.enqueue(TRACKER, "labels", [("OPS-1", {"add": ["objective:ops"]})])
    store.outbox.fail(grow, "400 bad label", give_up=True)
    store.outbox.fail(ops, "404 no such issue", give_up=True)
    assert [(op.key, op.last_error) for op in store.outbox.refused(TRACKER)] == [
        ("OPS-1", "404 no such issue"),
        ("GROW-1", "400 bad label"),
    ]
    store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:reliability"]})])
    assert [op.key for op in store.outbox.refused(TRACKER)] == ["OPS-1"]
    assert store.outbox.refused("linear.other") == []


def test_runs_newest_first(store: StateStore) -> None:
    first = store.runs.start(TRACKER)
    store.runs.finish(first, "ok", {"pulled": 3})
    second = store.runs.start("linear.acme")
    runs = store.runs.latest()
    assert [r.id for r in runs] == [second, first]
    assert runs[1].counts == {"pulled": 3}
    assert runs[0].finished_at is None
    assert [r.id for r in store.runs.latest(TRACKER)] == [first]


def test_snapshots_and_comments(store: StateStore) -> None:
    assert store.snapshots.last(TRACKER) is None
    store.snapshots.add(TRACKER, {"score": 0.7})
    store.snapshots.add(TRACKER, {"score": 0.8})
    snapshot = store.snapshots.last(TRACKER)
    assert snapshot is not None
    assert snapshot[1] == {"score": 0.8}
    store.comments.put(TRACKER, "STRAT-1", "2026-Q4", "1", "h1")
    store.comments.put(TRACKER, "STRAT-1", "2026-Q4", "1", "h2")
    comment = store.comments.get(TRACKER, "STRAT-1", "2026-Q4")
    assert comment is not None
    assert comment.body_hash == "h2"


def test_items_stream_and_delete_with_journal(store: StateStore) -> None:
    store.items.put(TRACKER, [(make_item(f"GROW-{n}"), None) for n in range(1, 4)])
    store.journal.put(TRACKER, {"GROW-2": JournalEntry(frozenset({"alignment:none"}))})
    assert [s.item.key for s in store.items.all(TRACKER)] == ["GROW-1", "GROW-2", "GROW-3"]
    store.items.delete(TRACKER, ["GROW-2"])
    assert store.items.keys(TRACKER) == {"GROW-1", "GROW-3"}
    assert store.journal.get(TRACKER, ["GROW-2"]) == {}
    assert store.items.count(TRACKER) == 2


def test_reset_one_tracker_or_all(store: StateStore) -> None:
    store.marks.set(TRACKER, Mark.PULL_CURSOR, "a")
    store.marks.set("linear.acme", Mark.PULL_CURSOR, "b")
    assert store.trackers() == ["jira.acme", "linear.acme"]
    store.reset(TRACKER)
    assert store.trackers() == ["linear.acme"]
    store.reset()
    assert store.trackers() == []


def test_clock_is_injectable(state_target: Path | SecretStr) -> None:
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    with StateStore.connect(state_target, clock=lambda: moment) as store:
        run = store.runs.start(TRACKER)
        assert store.runs.latest()[0].started_at == moment
        assert run == 1


def test_children_rekey_and_lookup_by_id(store: StateStore) -> None:
    epic = make_item("GROW-12", id="100")
    story = make_item("GROW-13", id="101", epic="GROW-12")
    task = make_item("GROW-14", id="102", parent="GROW-13")
    store.items.put(TRACKER, [(epic, None), (story, None), (task, None)])
    assert [key for key, _, _ in store.items.children(TRACKER, ["GROW-12"])] == ["GROW-13"]
    assert [key for key, _, _ in store.items.children(TRACKER, ["GROW-13"])] == ["GROW-14"]
    assert set(store.items.by_key(TRACKER, ["GROW-12", "NOPE-1"])) == {"GROW-12"}
    assert store.items.key_of(TRACKER, "101") == "GROW-13"
    store.journal.put(TRACKER, {"GROW-13": JournalEntry(frozenset({"objective:growth"}))})
    store.outbox.enqueue(TRACKER, "labels", [("GROW-13", {})])
    store.items.rekey(TRACKER, "GROW-13", "OPS-7")
    assert store.journal.get(TRACKER, ["OPS-7"])["OPS-7"].applied == {"objective:growth"}
    assert store.items.get(TRACKER, "GROW-13") is None
    assert store.outbox.pending(TRACKER) == [], "an op addressed to the old key is dropped"


def test_supersede_drops_pending_ops(store: StateStore) -> None:
    store.outbox.enqueue(TRACKER, "labels", [("GROW-1", {}), ("GROW-2", {})])
    store.outbox.supersede(TRACKER, "labels", ["GROW-1"])
    assert [p.key for p in store.outbox.pending(TRACKER)] == ["GROW-2"]


def test_tracker_lock_is_exclusive_across_processes(state_target: Path | SecretStr) -> None:
    import subprocess
    import sys

    script = (
        "import sys; from pathlib import Path; from pydantic import SecretStr; from syncd.state import StateStore\n"
        "from syncd.errors import StateError\n"
        "a = sys.argv[1]; s = StateStore.connect(SecretStr(a) if a.startswith('postgresql') else Path(a))\n"
        "try:\n    ctx = s.tracker_lock('jira.acme'); ctx.__enter__(); print('locked')\n"
        "except StateError as e:\n    print(e)\n"
        "s.close()\n"
    )
    target = state_target.get_secret_value() if isinstance(state_target, SecretStr) else str(state_target)
    with StateStore.connect(state_target) as store, store.tracker_lock(TRACKER):
        other = subprocess.run([sys.executable, "-c", script, target], capture_output=True, text=True, check=True)
        assert "another" in other.stdout
        assert "jira.acme" in other.stdout
    again = subprocess.run([sys.executable, "-c", script, target], capture_output=True, text=True, check=True)
    assert again.stdout.strip().splitlines()[-1] == "locked"


def test_recent_snapshots_come_oldest_first_and_at_most_the_limit(store: StateStore) -> None:
    for score in (0.5, 0.6, 0.7):
        store.snapshots.add(TRACKER, {"score": score})
    store.snapshots.add("elsewhere", {"score": 0.1})
    assert store.snapshots.recent(TRACKER) == [{"score": 0.5}, {"score": 0.6}, {"score": 0.7}]
    assert store.snapshots.recent(TRACKER, limit=2) == [{"score": 0.6}, {"score": 0.7}]


@pytest.mark.parametrize(("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)])
def test_without_a_postgresql_server_the_tests_skip_except_under_ci(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException]
) -> None:
    from tests.support.postgres import server_url

    monkeypatch.setenv("SYNCD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:1/none")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no PostgreSQL server reachable at SYNCD_TEST_POSTGRES_URL"):
        server_url()


def test_review_answers_are_kept_per_period_and_replaced_per_item(store: StateStore) -> None:
    first = StoredAnswer(TRACKER, "GROW-1", "2026-Q4", "growth", "growth", {"growth": "abc"})
    other = StoredAnswer(TRACKER, "GROW-2", "2026-Q3", "growth", "", {})
    store.reviews.put([first, other])
    changed = StoredAnswer(TRACKER, "GROW-1", "2026-Q4", "growth", "", {"growth": "def"})
    store.reviews.put([changed])
    assert store.reviews.of_period("2026-Q4") == [changed]
    assert not changed.confirmed
    store.reset(TRACKER)
    assert store.reviews.of_period("2026-Q3") == []
