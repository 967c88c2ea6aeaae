"""The soak run: a hundred crash trials, and provenance trials (a state lost between two syncs, writes that
landed but were answered 504) (``pytest -m soak tests/soak -s``; minutes, not seconds).

Set ``SYNCD_SOAK_RUNS`` and ``SYNCD_SOAK_PROVENANCE_RUNS`` for other counts. Prints the figures recorded in
the README's reliability section.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.integration.crash import Trial, assert_nothing_lost, run_trial
from tests.integration.provenance_trial import TRIALS, ProvenanceTrial, assert_provenance_kept, run_provenance_trial

RUNS = int(os.environ.get("SYNCD_SOAK_RUNS", "100"))


@pytest.mark.soak
def test_a_hundred_killed_syncs(tmp_path: Path) -> None:
    started = time.monotonic()
    trials: list[Trial] = []
    for seed in range(1000, 1000 + RUNS):
        directory = tmp_path / f"trial-{seed}"
        directory.mkdir()
        trials.append(run_trial(seed, directory))
    minutes = (time.monotonic() - started) / 60
    print(
        f"\ncrash soak: {len(trials)} trials;"
        f" {sum(t.attempts for t in trials)} kills sent, {sum(t.kills for t in trials)} real (mid-sync);"
        f" labels lost {sum(t.labels_lost for t in trials)},"
        f" applied twice {sum(len(t.applied_twice) for t in trials)},"
        f" duplicate comments {sum(t.duplicate_comments for t in trials)},"
        f" outbox writes lost {sum(t.outbox_lost for t in trials)},"
        f" diverged {sum(bool(t.diverged) for t in trials)}; {minutes:.1f} min"
    )
    for trial in trials:
        if not trial.clean:
            print(f"  {trial}")
    for trial in trials:
        assert_nothing_lost(trial)


PROVENANCE_RUNS = int(os.environ.get("SYNCD_SOAK_PROVENANCE_RUNS", "60"))


@pytest.mark.soak
def test_lost_states_and_writes_answered_504_after_landing(tmp_path: Path) -> None:
    """Half the trials lose the state between two syncs, half have writes land and be answered 504."""
    started = time.monotonic()
    trials: list[ProvenanceTrial] = []
    for seed in range(3000, 3000 + PROVENANCE_RUNS):
        directory = tmp_path / f"trial-{seed}"
        directory.mkdir()
        trials.append(run_provenance_trial(seed, directory))
    minutes = (time.monotonic() - started) / 60
    for kind in TRIALS:
        some = [t for t in trials if t.trial == kind]
        print(
            f"\n{kind}: {len(some)} trials; diverged {sum(bool(t.diverged) for t in some)},"
            f" labels lost {sum(t.labels_lost for t in some)},"
            f" applied twice {sum(len(t.applied_twice) for t in some)},"
            f" duplicate comments {sum(t.duplicate_comments for t in some)},"
            f" owners taken wrongly {sum(t.owners_wrong for t in some)};"
            f" history reads {sum(t.history_reads for t in some)}"
        )
    print(f"provenance soak: {len(trials)} trials, {minutes:.1f} min")
    for trial in trials:
        if not trial.clean:
            print(f"  {trial}")
    for trial in trials:
        assert_provenance_kept(trial)
