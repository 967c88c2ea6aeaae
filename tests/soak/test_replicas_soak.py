"""The replicas soak run: three ``syncd run`` replicas on one PostgreSQL for several minutes per tracker
kind, the lease holder killed or paused past its lease again and again while people edit, the
database's connections cut, and the PostgreSQL server restarted in the middle
(``pytest -m soak tests/soak/test_replicas_soak.py -s``).

``SYNCD_SOAK_REPLICA_FAULTS`` sets the faults per kind (default 8). Prints the figures recorded in the
README's "Running on Kubernetes" section.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from tests.integration.replicas import run_trial

FAULTS = int(os.environ.get("SYNCD_SOAK_REPLICA_FAULTS", "8"))


@pytest.mark.soak
@pytest.mark.parametrize("kind", ["jira-cloud", "linear"])
def test_replicas_under_faults_for_minutes(kind: str, tmp_path: Path, postgres_url: SecretStr) -> None:
    outcome = run_trial(2026, tmp_path, postgres_url, faults=FAULTS, kind=kind, restart=True)
    print(f"\nreplicas soak: {outcome.summary()}")
    for fault in outcome.faults:
        print(f"  {fault.kind} of replica {fault.replica}: synced again after {fault.recovered_after}s")
    assert outcome.converged, outcome
    assert outcome.duplicate_comments == 0, outcome
    assert outcome.applied_twice == (), outcome
    assert outcome.labels_lost == 0, outcome
    assert outcome.diverged == (), outcome
    for fault in outcome.faults:
        assert fault.recovered_after is not None, f"never synced again after {fault}"
        assert fault.recovered_after <= outcome.bound, fault
