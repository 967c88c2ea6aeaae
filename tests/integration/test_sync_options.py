"""The command line's sync and state options against the Jira emulator: ``--tracker``, ``--full``,
``--force``, ``--dry-run``, ``state reset --tracker`` and ``explain --tracker``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.state import StateStore
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
        assert state.cursors.get("jira.acme") is None
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
        state.cursors.set("jira.refused", "2026-11-01T00:00:00+00:00")
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
        assert state.cursors.get("jira.refused") == "2026-11-01T00:00:00+00:00"


def test_explain_looks_in_the_named_tracker(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    syncd(config, "sync")
    code, out = syncd(config, "explain", "OPS-1", "--tracker", "jira.acme")
    assert code == 0, out
    assert out.startswith("OPS-1 ")
    assert "drift report:" in out
    code, out = syncd(config, "explain", "OPS-1", "--tracker", "linear.acme")
    assert code != 0


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
