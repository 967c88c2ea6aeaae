"""Three ``syncd run`` replicas on one PostgreSQL against the Jira emulator, while people edit: the
holder of the tracker's lease killed, paused past its lease and cut off from the database, one after
another (the long version is the soak run, tests/soak/test_replicas_soak.py)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

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
