"""The command line's sync and state options against the Jira emulator: ``--tracker``, ``--full``,
``--force``, ``--dry-run``, ``state reset --tracker`` and ``explain --tracker``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.state import Mark, StateStore
from tests.integration import jira_org
from tests.integration.harness import JiraHarness


@pytest.fixture
def harness() -> Iterator[JiraHarness]:
    with JiraHarness("cloud") as started:
        yield started


def syncd(config: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "--log-level", "warning", *args], input=stdin)
    return result.exit_code, result.output


def with_second_tracker(tmp_path: Path, harness: JiraHarness) -> Path:
    """Settings with ``jira.acme`` and a ``jira.refused`` whose token the emulator refuses."""
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text() + jira_org.refused_table(harness.site))
    return config


def test_tracker_picks_one_of_several_by_full_or_short_name(tmp_path: Path, harness: JiraHarness) -> None:
    config = with_second_tracker(tmp_path, harness)
    code, out = syncd(config, "sync", "--tracker", "acme")
    assert code == 0, out
    assert "jira.acme: ok: pulled 12" in out
    assert "jira.refused" not in out
    code, out = syncd(config, "sync")
    assert code == 3, "the refused tracker's credentials decide the exit code"
    assert "jira.acme: ok" in out
    code, out = syncd(config, "sync", "--tracker", "nope")
    assert code == 2
    assert "--tracker: 'nope' is not configured (configured: jira.acme, jira.refused)" in out


def test_dry_run_writes_nothing_to_the_tracker(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    before = harness.labels()
    code, out = syncd(config, "sync", "--dry-run")
    assert code == 0, out
    assert "12 issues would change" in out
    assert harness.labels() == before
    assert harness.log.count("issue_edit") == 0
    with StateStore.open(tmp_path / "state.db") as state:
        assert state.items.count("jira.acme") == 0
        assert state.marks.get("jira.acme", Mark.PULL_CURSOR) is None
        assert state.outbox.pending() == []


def test_full_forgets_deleted_issues_behind_a_safety_stop_that_force_passes(
    tmp_path: Path, harness: JiraHarness
) -> None:
    store = harness.site.store
    extra = [store.create_issue("GROW", f"Checkout step {n}").key for n in range(20)]
    config = harness.settings_file(tmp_path)
    assert syncd(config, "sync")[0] == 0
    store.delete_issue(extra[0])
    code, out = syncd(config, "sync")
    assert code == 0
    assert "forgotten 0" in out, "an incremental pull cannot see a deletion"
    code, out = syncd(config, "sync", "--full")
    assert code == 0, out
    assert "forgotten 1" in out
    for key in extra[1:]:
        store.delete_issue(key)
    code, out = syncd(config, "sync", "--full")
    assert code == 1, out
    assert "a full pull returned 12 issues but the state knows 31" in out
    with StateStore.open(tmp_path / "state.db") as state:
        assert len(state.items.keys("jira.acme")) == 31, "the safety stop forgot nothing"
    code, out = syncd(config, "sync", "--full", "--force")
    assert code == 0, out
    assert "forgotten 19" in out


def test_state_reset_of_one_tracker_asks_first_and_keeps_the_others(tmp_path: Path, harness: JiraHarness) -> None:
    config = with_second_tracker(tmp_path, harness)
    syncd(config, "sync")
    with StateStore.open(tmp_path / "state.db") as state:
        state.marks.set("jira.refused", Mark.PULL_CURSOR, "2026-11-01T00:00:00+00:00")
    code, out = syncd(config, "state", "reset", "--tracker", "jira.acme", stdin="n\n")
    assert code == 1, "declining aborts"
    code, out = syncd(config, "state", "reset", "--tracker", "jira.nope", "--yes")
    assert code == 2
    assert "no state for 'jira.nope' (known: jira.acme, jira.refused)" in out
    code, out = syncd(config, "state", "reset", "--tracker", "jira.acme", stdin="y\n")
    assert code == 0, out
    assert "Deleted everything syncd remembers about jira.acme." in out
    with StateStore.open(tmp_path / "state.db") as state:
        assert state.items.count("jira.acme") == 0
        assert state.marks.get("jira.refused", Mark.PULL_CURSOR) == "2026-11-01T00:00:00+00:00"


def test_explain_looks_in_the_named_tracker(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    syncd(config, "sync")
    code, out = syncd(config, "explain", "OPS-1", "--tracker", "jira.acme")
    assert code == 0, out
    assert out.startswith("OPS-1 ")
    assert "drift report:" in out
    code, out = syncd(config, "explain", "OPS-1", "--tracker", "linear.acme")
    assert code != 0


def test_nothing_synced_because_no_tracker_answers_has_its_own_exit_code(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        harness.tweak("max_attempts = 8", "max_attempts = 2")
        config = harness.settings_file(tmp_path)
        url = harness.site.url
    code, out = syncd(config, "sync")
    assert code == 4, out
    assert f"cannot reach {url}" in out, "the message says where syncd looked"
    assert "Nothing could be synced: every tracker stayed unavailable after every retry." in out
    assert "syncd will try again" not in out


def test_one_tracker_down_beside_one_that_synced_is_a_partial_failure(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    dead = config.read_text().split("[jira.acme]", 1)[1].replace(harness.site.url, "http://127.0.0.1:9")
    config.write_text(config.read_text().replace("max_attempts = 8", "max_attempts = 2") + "\n[jira.down]" + dead)
    code, out = syncd(config, "sync")
    assert code == 1, out
    assert "jira.acme: ok" in out
    assert "jira.down: failed" in out


def json_of(config: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """A command's JSON document, from standard output alone (logs go to standard error)."""
    result = CliRunner().invoke(app, ["--config", str(config), *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_sync_and_state_show_speak_json_for_scripts(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    code, planned = json_of(config, "sync", "--dry-run")
    assert code == 0, planned
    assert planned["schema"] == 1
    assert planned["command"] == "sync"
    assert planned["dry_run"] is True
    [tracker] = planned["trackers"]
    assert tracker["name"] == "jira.acme"
    assert tracker["status"] == "ok"
    assert {"key": "GROW-1", "add": ["objective:self-serve-growth"], "remove": []}.items() <= next(
        c for c in tracker["changes"] if c["key"] == "GROW-1"
    ).items()

    code, done = json_of(config, "sync")
    assert code == 0, done
    [tracker] = done["trackers"]
    assert tracker["counts"]["pulled"] == 12
    assert tracker["counts"]["applied"] == 12
    assert tracker["report"] == {"issue": "STRAT-1", "posted": True, "error": None, "notices": 0, "notice_failures": 0}
    assert "changes" not in tracker

    code, state = json_of(config, "state", "show")
    assert code == 0, state
    assert state["command"] == "state show"
    assert state["state_schema"] >= 1
    assert state["trackers"][0]["name"] == "jira.acme"
    assert state["trackers"][0]["items"] == 12
    assert state["trackers"][0]["pending"] == []
    assert state["runs"][0]["status"] == "ok"


def test_a_failed_tracker_in_json(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        harness.tweak("max_attempts = 8", "max_attempts = 1")
        config = harness.settings_file(tmp_path)
    code, document = json_of(config, "sync")
    assert code == 4
    assert document["exit_code"] == 4
    assert document["trackers"][0]["status"] == "failed"
    assert "cannot reach" in document["trackers"][0]["error"]


def test_the_one_shot_sync_sweeps_on_the_service_schedule(tmp_path: Path, harness: JiraHarness) -> None:
    """``full_sweep_every = 3``: the first sync reads all, two incremental ones follow, the third after it
    sweeps, so a deleted issue leaves the state (and the report) without ``--full``; each sync is a new
    process's, as under a timer, so the count lives in the state."""
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text() + "\n[service]\nfull_sweep_every = 3\n")
    assert syncd(config, "sync")[0] == 0
    harness.site.store.delete_issue("MISC-4")
    for _ in range(2):
        code, out = syncd(config, "sync")
        assert code == 0, out
        with StateStore.open(tmp_path / "state.db") as store:
            assert "MISC-4" in store.items.keys("jira.acme"), "an incremental sync cannot see a deletion"
    code, out = syncd(config, "sync")
    assert code == 0, out
    with StateStore.open(tmp_path / "state.db") as store:
        assert "MISC-4" not in store.items.keys("jira.acme"), "the third sync swept"
        assert store.runs.latest()[0].counts["forgotten"] == 1


def test_explain_right_after_a_sync_knows_the_labels_syncd_just_applied(tmp_path: Path, harness: JiraHarness) -> None:
    """The stored snapshot comes from the pull, before the writes: explain must not take a label syncd has
    just applied for one a person removed."""
    config = harness.settings_file(tmp_path)
    code, out = syncd(config, "sync")
    assert code == 0, out
    code, out = syncd(config, "explain", "GROW-1")
    assert code == 0, out
    assert "nothing to write" in out
    assert "not put back" not in out
    harness.person_labels("GROW-1", remove=["objective:self-serve-growth"])
    code, out = syncd(config, "sync")
    assert code == 0, out
    code, out = syncd(config, "explain", "GROW-1")
    assert "not put back, a person removed them: objective:self-serve-growth" in out, "a person's removal still is"
