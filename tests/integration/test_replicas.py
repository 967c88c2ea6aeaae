"""Three ``syncd run`` replicas on one PostgreSQL against the Jira emulator, while people edit: the
holder of the tracker's lease killed, paused past its lease and cut off from the database, one after
another (the long version is the soak run, tests/soak/test_replicas_soak.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.state import StateStore
from tests.integration.harness import JiraHarness
from tests.integration.replicas import run_trial


def test_three_replicas_survive_kill_pause_and_a_cut_without_loss_or_duplicates(
    tmp_path: Path, postgres_url: SecretStr
) -> None:
    outcome = run_trial(7, tmp_path, postgres_url, faults=3)
    print(outcome.summary())
    assert [fault.kind for fault in outcome.faults] == ["kill", "pause", "cut"]
    assert outcome.converged, outcome
    assert outcome.duplicate_comments == 0, outcome
    assert outcome.applied_twice == (), outcome
    assert outcome.labels_lost == 0, outcome
    assert outcome.diverged == (), outcome
    for fault in outcome.faults:
        assert fault.recovered_after is not None, f"never synced again after {fault}"
        assert fault.recovered_after <= outcome.bound, fault


def test_a_one_shot_sync_leaves_a_tracker_a_replica_holds_and_says_so(tmp_path: Path, postgres_url: SecretStr) -> None:
    """Exit 4, "nothing could be synced, try later", not a configuration error: the tracker is in good hands."""
    with JiraHarness("cloud") as harness:
        harness.on_postgres(postgres_url)
        config = harness.settings_file(tmp_path)
        with StateStore.connect(postgres_url, lease_ttl=30) as replica, replica.tracker_lock(harness.tracker):
            result = CliRunner().invoke(app, ["--config", str(config), "sync"])
        assert result.exit_code == 4, result.output
        assert "jira.acme is being synced by another replica" in result.output
        assert "nothing was done to it here" in result.output
        assert (
            "Nothing was synced here: jira.acme is synced by another replica. Run the sync again later."
            in result.output
        )
        assert harness.log.records() == [], "the tracker was not asked anything"
