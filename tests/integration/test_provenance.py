"""Rows of the fault matrix where the journal cannot say who put a label there: a write that landed but
was answered 502, 503 or 504, and a state lost between two syncs. Each ends with exactly the labels and the
one report comment of a fault-free sync, with syncd's own labels still syncd's (managed, not pins) and a
person's pins still a person's, settled from the tracker's history with at most one read per issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.model import JournalEntry
from syncd.state import StateStore
from syncd.sync.model import SyncResult
from tests.integration.contract import owned, run_sync
from tests.integration.fault_matrix import reference, report_comments
from tests.integration.harness import Harness, JiraHarness, LinearHarness
from tests.integration.provenance_trial import assert_provenance_kept, run_provenance_trial

#: retries a write gets in the harness's settings ([retry] max_attempts), so a burst this long exhausts them
ATTEMPTS = 8


def synced(tmp_path: Path, harness: Harness) -> SyncResult:
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None, outcome.error
    return outcome.result


def journal(tmp_path: Path, harness: Harness) -> dict[str, JournalEntry]:
    with StateStore.open(tmp_path / "state.db") as store:
        return store.journal.get(harness.tracker, harness.labels())


def pins(tmp_path: Path, harness: Harness) -> dict[str, set[str]]:
    """Each issue's owned labels the journal holds for a person's."""
    return {key: set(entry.persons) for key, entry in journal(tmp_path, harness).items() if entry.persons}


def assert_all_syncd(tmp_path: Path, harness: Harness) -> None:
    """Every owned label on every issue is in the journal as syncd's, none as a person's."""
    entries = journal(tmp_path, harness)
    for key, labels in harness.labels().items():
        entry = entries.get(key, JournalEntry())
        assert owned(labels) == set(entry.applied), f"{key}: syncd's own labels are syncd's"
        assert not entry.persons, f"{key}: no pin where no person put a label"


def reset_state(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / "state.db") as store:
        store.reset()


def labelled(harness: Harness) -> int:
    return sum(1 for labels in harness.labels().values() if owned(labels))


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_write_that_landed_but_was_answered_5xx_stays_syncds(
    status: int, kind: str, harness: Harness, tmp_path: Path
) -> None:
    expected = reference(kind, tmp_path)
    harness.one_request_at_a_time()
    harness.faults.paths = harness.write_paths
    harness.faults.landed_error_status = status
    harness.faults.landed_error_burst = ATTEMPTS
    first = synced(tmp_path, harness)
    assert first.failed >= 1, "every attempt of one write was answered with the error"
    harness.faults.reset()
    harness.log.clear()
    second = synced(tmp_path, harness)
    assert second.status == "ok", second.errors
    assert harness.writes() == 0, "what landed is not written again"
    assert second.pinned == 0, "syncd's own labels are not taken for a person's pins"
    assert 1 <= second.history_reads <= first.failed, "asked once for each write of unknown outcome"
    assert harness.labels() == expected
    assert report_comments(harness) == 1
    assert_all_syncd(tmp_path, harness)
    assert synced(tmp_path, harness).history_reads == 0, "and never asked again"


def test_a_state_lost_between_two_syncs_writes_nothing_and_takes_no_pins(harness: Harness, tmp_path: Path) -> None:
    expected = harness.labels()
    synced(tmp_path, harness)
    expected = harness.labels()
    reset_state(tmp_path)
    harness.log.clear()
    after_loss = synced(tmp_path, harness)
    assert after_loss.status == "ok", after_loss.errors
    assert harness.writes() == 0
    assert after_loss.pinned == 0
    assert after_loss.history_reads <= labelled(harness), "at most one history read per labelled issue"
    assert harness.labels() == expected
    assert report_comments(harness) == 1
    assert_all_syncd(tmp_path, harness)
    harness.log.clear()
    warm = synced(tmp_path, harness)
    assert (warm.history_reads, warm.requests, harness.writes()) == (0, 1, 0), "back to one read, no history"


def test_after_a_state_loss_a_label_a_person_removes_is_not_put_back(harness: Harness, tmp_path: Path) -> None:
    key, label = harness.declined
    synced(tmp_path, harness)
    reset_state(tmp_path)
    synced(tmp_path, harness)
    harness.person_labels(key, remove=[label])
    synced(tmp_path, harness)
    assert label not in harness.labels()[key], "syncd's label is syncd's again, so a person's removal is a decline"
    assert synced(tmp_path, harness).history_reads == 0


def test_a_persons_pin_is_still_a_pin_after_a_state_loss(harness: Harness, tmp_path: Path) -> None:
    key, label, carried = harness.pin
    synced(tmp_path, harness)
    harness.person_labels(key, add=[label])
    synced(tmp_path, harness)
    assert owned(harness.labels()[key]) == carried
    reset_state(tmp_path)
    after_loss = synced(tmp_path, harness)
    assert after_loss.pinned == 1, "the person's pin, found again in the history"
    assert pins(tmp_path, harness) == {key: {label}}
    assert owned(harness.labels()[key]) == carried, "and it still decides the mapping"


def test_a_label_removed_before_the_state_was_lost_is_declined_from_the_history(tmp_path: Path) -> None:
    """An issue still labelled by syncd whose other label a person removed: the history says so."""
    with JiraHarness("cloud") as harness:
        synced(tmp_path, harness)
        key = next(k for k, labels in harness.labels().items() if len(owned(labels)) >= 2)
        removed = sorted(owned(harness.labels()[key]))[0]
        harness.person_labels(key, remove=[removed])
        reset_state(tmp_path)
        result = synced(tmp_path, harness)
        assert removed not in harness.labels()[key], "not put back"
        assert result.history_reads >= 1
        assert removed in journal(tmp_path, harness)[key].declined


def test_the_linear_batch_that_landed_answered_504_stays_syncds(tmp_path: Path) -> None:
    """All issues of one issueBatchUpdate answered 504 after it landed: none becomes a pin."""
    with LinearHarness() as harness:
        harness.one_request_at_a_time()
        harness.faults.paths = "/graphql/mutation/issueBatchUpdate"
        harness.faults.landed_error_burst = ATTEMPTS
        first = synced(tmp_path, harness)
        assert first.failed >= 2, "a batch of several issues failed whole"
        harness.faults.reset()
        second = synced(tmp_path, harness)
        assert (second.pinned, second.applied) == (0, 0)
        assert_all_syncd(tmp_path, harness)


@pytest.mark.parametrize("seed", range(2000, 2006))
def test_provenance_trials_end_as_an_uninterrupted_sync(seed: int, tmp_path: Path) -> None:
    assert_provenance_kept(run_provenance_trial(seed, tmp_path))


def test_a_label_a_person_removes_after_a_write_of_unknown_outcome_landed_is_not_put_back(tmp_path: Path) -> None:
    """Every answer to a write is lost (the connection drops mid-answer), then a person removes the label it
    added: the history tells the person's removal from a write that never landed, so the label is declined,
    not written again."""
    with LinearHarness() as harness:
        harness.one_request_at_a_time()
        harness.faults.paths = harness.write_paths
        harness.faults.drop_burst = ATTEMPTS
        assert synced(tmp_path, harness).failed >= 1
        harness.faults.reset()
        with StateStore.open(tmp_path / "state.db") as store:
            unheard = store.outbox.pending()  # the writes whose every answer was lost
        key = unheard[0].key
        labels = owned(harness.labels()[key])
        assert labels, "it landed"
        harness.person_labels(key, remove=sorted(labels))
        harness.log.clear()
        result = synced(tmp_path, harness)
        assert harness.writes_per_issue()[key] == 0, "the person's removal stands"
        assert not owned(harness.labels()[key])
        assert result.history_reads == len(unheard), "one read for each write of unknown outcome"
        assert journal(tmp_path, harness)[key].declined == labels
