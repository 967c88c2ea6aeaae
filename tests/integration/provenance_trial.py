"""Provenance trials: a sync whose journal cannot say who put a label there, then a clean finish; the result
must equal an uninterrupted sync of the same edits (used by the CI test with a few seeds and by the soak
run).

Two kinds, alternating by seed on Jira Cloud, Data Center and Linear:

* **state lost**: a sync, a person's edits (unrelated labels and a pin), the state reset, a sync;
* **landed, then 504**: a sync whose label writes land but are answered 504 for a random burst (up to every
  attempt), then a person's edits and a sync.

Counted, all to be 0: issues whose labels differ from the uninterrupted sync's, a person's labels lost,
labels added by more than one accepted write, duplicate report comments, and labels whose owner the
journal holds wrongly (syncd's taken for a person's pin, or a person's for syncd's).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from syncd.model import JournalEntry
from syncd.state import StateStore
from tests.integration.contract import run_sync
from tests.integration.crash import KINDS, apply, label_adds, make, person_edits
from tests.integration.harness import Harness

TRIALS = ("state lost", "landed, then 504")
_ATTEMPTS = 8


@dataclass(frozen=True)
class ProvenanceTrial:
    seed: int
    trial: str
    kind: str
    #: the landed-then-504 burst (0 for a state loss)
    burst: int
    diverged: tuple[str, ...]
    labels_lost: int
    applied_twice: tuple[tuple[str, str], ...]
    duplicate_comments: int
    #: (issue, label) pairs the journal holds as the wrong owner's
    owners_wrong: int
    history_reads: int

    @property
    def clean(self) -> bool:
        lost = self.labels_lost + len(self.applied_twice) + self.duplicate_comments + self.owners_wrong
        return not self.diverged and lost == 0


def owners(tmp_path: Path, harness: Harness) -> dict[str, JournalEntry]:
    with StateStore.open(tmp_path / "state.db") as store:
        return store.journal.get(harness.tracker, harness.labels())


def wrong_owners(
    found: dict[str, JournalEntry], expected: dict[str, JournalEntry], persons: set[tuple[str, str]]
) -> int:
    """Labels the journal holds as the wrong owner's: syncd's taken for a person's pin (the uninterrupted
    sync holds them as syncd's), or a label a person really added (``persons``) taken for syncd's."""
    taken = sum(len(entry.persons & expected.get(key, JournalEntry()).applied) for key, entry in found.items())
    return taken + sum(1 for key, label in persons if label in found.get(key, JournalEntry()).applied)


def person_adds(harness: Harness, edits: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Make the edits; the ones that added a label (an issue may already carry it)."""
    added = {(key, label) for key, label in edits if label not in harness.labels()[key]}
    apply(harness, edits)
    return added


def _converge(tmp_path: Path, harness: Harness) -> int:
    """Sync until nothing changes (three at most); the history reads it took."""
    reads = 0
    for _ in range(3):
        outcome = run_sync(tmp_path, harness)
        assert outcome.result is not None, outcome.error
        reads += outcome.result.history_reads
        if outcome.result.changed == 0:
            break
    return reads


def run_provenance_trial(seed: int, tmp_path: Path) -> ProvenanceTrial:
    rng = random.Random(seed)
    trial, kind = TRIALS[seed % 2], KINDS[(seed // 2) % 3]
    burst = 0 if trial == "state lost" else rng.randint(1, _ATTEMPTS)
    with make(kind) as harness, make(kind) as reference:
        keys = sorted(k for k in harness.labels() if not k.startswith(("STRAT", "OPS-1", "ENG-1")))
        before, later = person_edits(rng, harness, keys), person_edits(rng, harness, keys)
        persons = person_adds(harness, before)
        if burst:
            harness.faults.paths = harness.write_paths
            harness.faults.landed_error_status = 504
            harness.faults.landed_error_burst = burst
        first = run_sync(tmp_path, harness)
        assert first.result is not None, first.error
        harness.faults.reset()
        persons |= person_adds(harness, later)
        if trial == "state lost":
            with StateStore.open(tmp_path / "state.db") as store:
                store.reset()
        reads = _converge(tmp_path, harness)
        apply(reference, before + later)
        reference_dir = tmp_path / "reference"
        reference_dir.mkdir()
        run_sync(reference_dir, reference)
        labels, expected = harness.labels(), reference.labels()
        comments = [t for t in harness.comments(harness.report_issue) if "syncd:drift:report" in t]
        wrong = wrong_owners(owners(tmp_path, harness), owners(reference_dir, reference), persons)
    return ProvenanceTrial(
        seed=seed,
        trial=trial,
        kind=kind,
        burst=burst,
        diverged=tuple(sorted(key for key in expected if labels.get(key) != expected[key])),
        labels_lost=sum(1 for key, label in before + later if label not in labels[key]),
        applied_twice=tuple(sorted(pair for pair, n in label_adds(harness).items() if n > 1)),
        duplicate_comments=max(len(comments) - 1, 0),
        owners_wrong=wrong,
        history_reads=reads,
    )


def assert_provenance_kept(trial: ProvenanceTrial) -> None:
    assert trial.diverged == (), f"seed {trial.seed}: not the uninterrupted result on {trial.diverged} ({trial})"
    assert trial.labels_lost == 0, f"seed {trial.seed}: a person's label was lost ({trial})"
    assert trial.applied_twice == (), f"seed {trial.seed}: labels applied twice: {trial.applied_twice}"
    assert trial.duplicate_comments == 0, f"seed {trial.seed}: a duplicate report comment"
    assert trial.owners_wrong == 0, f"seed {trial.seed}: a label's owner taken wrongly ({trial})"
