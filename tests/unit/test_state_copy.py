"""``syncd state copy``: a SQLite state into PostgreSQL and back, nothing lost on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.errors import StateError
from syncd.model import Alignment, JournalEntry, Reason, Rule, TargetKind
from syncd.state import Mark, StateStore
from syncd.state.copy import COPIED_TABLES
from tests.conftest import make_item

TRACKER = "jira.acme"
PASSWORD = "tok-3f9a7c-example-secret"


def fill(store: StateStore) -> None:
    """A state in the middle of its life: synced items, a journal, done, failed and pending writes, runs,
    a report comment and its snapshots."""
    alignment = Alignment(
        "GROW-1", ("growth",), (), (Reason(Rule.FIELD, TargetKind.OBJECTIVE, "growth", "project GROW"),), Rule.FIELD
    )
    store.marks.set(TRACKER, Mark.PULL_CURSOR, "2026-11-01T10:00:00+00:00")
    store.items.put(TRACKER, [(make_item("GROW-1"), alignment), (make_item("GROW-2", parent="GROW-1"), None)])
    done, failed, _ = store.outbox.enqueue(
        TRACKER, "labels", [("GROW-1", {"add": ["objective:growth"]}), ("GROW-2", {}), ("GROW-3", {"add": ["x"]})]
    )
    journal = {"GROW-1": JournalEntry(frozenset({"objective:growth"}), frozenset({"v"}))}
    store.outbox.complete(TRACKER, [done], keep=lambda: store.journal.put(TRACKER, journal))
    store.outbox.fail(failed, "400 bad label", give_up=True)
    store.runs.finish(store.runs.start(TRACKER), "ok", {"pulled": 2})
    store.runs.start(TRACKER)
    store.comments.put(TRACKER, "STRAT-1", "*", "10001", "abc")
    store.snapshots.add(TRACKER, {"score": 0.7})
    store.snapshots.add("report", {"score": 0.8})


def dump(store: StateStore) -> dict[str, list[tuple[Any, ...]]]:
    with store.transaction() as db:
        return {
            table: sorted(tuple(row) for row in db.execute(f"SELECT * FROM {table}"))  # noqa: S608
            for table in COPIED_TABLES
        }


def settings_for(tmp_path: Path, state: Path | SecretStr) -> Path:
    line = f'state_url = "{state.get_secret_value()}"' if isinstance(state, SecretStr) else f'state_path = "{state}"'
    path = tmp_path / f"syncd-{len(list(tmp_path.glob('syncd-*.toml')))}.toml"
    path.write_text(line + "\n")
    return path


def with_password(url: SecretStr) -> str:
    """The test server trusts loopback, so any password works; the point is that none is ever printed."""
    return url.get_secret_value().replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")


def copy(config: Path, to: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "state", "copy", "--to", to])
    return result.exit_code, result.stdout + result.stderr


def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, postgres_url: SecretStr) -> None:
    original = tmp_path / "original.db"
    with StateStore.open(original) as store:
        with store.tracker_lock(TRACKER):
            fill(store)
        before = dump(store)
    code, out = copy(settings_for(tmp_path, original), with_password(postgres_url))
    assert code == 0, out
    assert "Copied the state from" in out
    assert "outbox 3" in out
    assert PASSWORD not in out
    with StateStore.connect(postgres_url) as moved:
        assert dump(moved) == before
        with moved.tracker_lock(TRACKER):
            [pending] = moved.outbox.pending(TRACKER)
            assert pending.key == "GROW-3", "the pending write is still pending, with its id"
            [later] = moved.outbox.enqueue(TRACKER, "labels", [("GROW-9", {})])
            assert later > pending.id, "new ids continue after the copied ones"
            moved.outbox.supersede(TRACKER, "labels", ["GROW-9"])
    back = tmp_path / "back.db"
    code, out = copy(settings_for(tmp_path, postgres_url), str(back))
    assert code == 0, out
    with StateStore.open(back) as returned:
        after = dump(returned)
    assert {t: rows for t, rows in after.items() if t != "outbox"} == {
        t: rows for t, rows in before.items() if t != "outbox"
    }
    assert len(after["outbox"]) == 4, "the three copied writes and the one made on PostgreSQL"
    assert after["outbox"][:3] == before["outbox"]


def test_a_copy_never_merges_into_a_state_that_holds_something(tmp_path: Path, state_target: Path | SecretStr) -> None:
    source = tmp_path / "source.db"
    with StateStore.open(source) as store:
        with store.tracker_lock(TRACKER):
            fill(store)
        with StateStore.connect(state_target) as target:
            with target.tracker_lock("linear.acme"):
                target.marks.set("linear.acme", Mark.PULL_CURSOR, "c")
            before = dump(target)
            with pytest.raises(StateError, match="already holds state"):
                store.copy_to(target)
            assert dump(target) == before, "nothing was written"


def test_a_copy_waits_for_no_sync(tmp_path: Path, postgres_url: SecretStr) -> None:
    """A replica holding a tracker's lease is still writing the state: the copy refuses to start."""
    with StateStore.connect(postgres_url) as running:
        with running.tracker_lock(TRACKER):
            running.marks.set(TRACKER, Mark.PULL_CURSOR, "c")
        with StateStore.connect(postgres_url) as copier, StateStore.open(tmp_path / "copy.db") as target:
            with pytest.raises(StateError, match="another replica"):
                copier.copy_to(target)
            assert dump(target)["cursors"] == []
