"""Three ``syncd run`` replicas on one PostgreSQL against the Jira emulator, while people edit: the
holder of the tracker's lease killed, paused past its lease and cut off from the database, one after
another (the long version is the soak run, tests/soak/test_replicas_soak.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.state import StateStore
from tests.integration.harness import JiraHarness, LinearHarness
from tests.integration.replicas import Replicas, _wait_for, holder_pid, run_trial


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


def test_two_replicas_share_two_trackers_and_one_takes_both_when_the_other_dies(
    tmp_path: Path, postgres_url: SecretStr
) -> None:
    with JiraHarness("cloud") as jira, LinearHarness() as linear:
        jira.on_postgres(postgres_url)
        jira.tweak("[service]\n", "[service]\ninterval = 10\njitter = 0\n")
        config = jira.settings_file(tmp_path)
        config.write_text(config.read_text() + linear.settings(tmp_path) + "\n[service.health]\nenabled = false\n")
        trackers = (jira.tracker, linear.tracker)
        replicas = Replicas(config, tmp_path, 2)
        try:
            holders = lambda: [holder_pid(postgres_url, tracker) for tracker in trackers]  # noqa: E731
            assert _wait_for(lambda: None not in holders() and len(set(holders())) == 2, 60), (
                f"each replica should hold one tracker: {holders()}"
            )
            number = replicas.number_of(holders()[1])
            assert number is not None
            replicas.kill(number)
            assert _wait_for(lambda: None not in holders() and len(set(holders())) == 1, 60), (
                f"the survivor should hold both trackers: {holders()}"
            )
            assert holders()[0] == replicas.processes[1 - number].pid
        finally:
            replicas.stop()
