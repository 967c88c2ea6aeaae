"""The fault matrix, continued: faults that once broke a promise. Each run must end with exactly the labels
and the one report comment of a fault-free run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from syncd.diagnosis import EXIT_AUTH, EXIT_UNREACHABLE
from syncd.sandbox.clock import Clock
from syncd.state import Mark, StateStore
from syncd.sync.writes import LABELS
from tests.conftest import REPO
from tests.integration.contract import owned, run_sync
from tests.integration.fault_matrix import Fault, arm, make, reference, report_comments, small_pages
from tests.integration.harness import Harness, JiraHarness, LinearHarness

_PAGES = r"search|/graphql/query/issues$"
FAULTS = [
    Fault("a dripping answer", arm(drip_burst=1, drip_seconds=4.0), retries=1, timeout=1),
    Fault("an empty 200 for a page", arm(empty_burst=1, paths=_PAGES), retries=1),
    Fault("a 200 page of another shape", arm(wrong_shape_burst=1, paths=_PAGES), retries=1),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_sync_converges_through(fault: Fault, kind: str, harness: Harness, tmp_path: Path) -> None:
    expected = reference(kind, tmp_path)
    small_pages(harness, tmp_path, timeout=fault.timeout)
    fault.arm(harness)
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None, outcome.error
    assert outcome.result.status == "ok", outcome.result.errors
    assert outcome.result.retries == fault.retries, "each failed request retried once, and counted"
    assert harness.labels() == expected
    assert report_comments(harness) == 1


def test_a_token_refused_mid_run_keeps_the_writes_until_it_works(kind: str, harness: Harness, tmp_path: Path) -> None:
    """The first label write is refused as unauthenticated (a token rotated while syncd runs): the run
    stops with exit 3 and its writes stay pending; the next run, with working credentials, sends them."""
    expected = reference(kind, tmp_path)
    harness.faults.paths = harness.write_paths
    harness.faults.auth_refused_burst = 1
    refused = run_sync(tmp_path, harness)
    assert refused.result is None
    assert refused.exit_code == EXIT_AUTH, refused.error
    harness.faults.reset()
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.outbox.refused(harness.tracker) == [], "no write is set aside for good"
        assert store.outbox.pending(harness.tracker, LABELS), "the writes wait for working credentials"
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None, outcome.error
    assert outcome.result.status == "ok", outcome.result.errors
    assert harness.labels() == expected
    assert report_comments(harness) == 1


@pytest.mark.parametrize("knob", ["empty_burst", "wrong_shape_burst"])
def test_pages_that_stay_garbled_fail_the_sync_and_keep_the_cursor(
    knob: str, kind: str, harness: Harness, tmp_path: Path
) -> None:
    harness.tweak("max_attempts = 8", "max_attempts = 2")
    assert run_sync(tmp_path, harness).result is not None
    with StateStore.open(tmp_path / "state.db") as store:
        cursor = store.marks.get(harness.tracker, Mark.PULL_CURSOR)
    setattr(harness.faults, knob, 100)
    harness.faults.paths = _PAGES
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is None
    assert outcome.exit_code == EXIT_UNREACHABLE, "the tracker stayed unavailable"
    assert outcome.error is not None
    assert "not a page of" in outcome.error, outcome.error
    assert "bug in syncd" not in outcome.error
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.marks.get(harness.tracker, Mark.PULL_CURSOR) == cursor, "the cursor did not move"


def _clock(harness: Harness) -> Clock:
    if isinstance(harness, JiraHarness):
        return harness.site.clock
    assert isinstance(harness, LinearHarness)
    return harness.emulator.clock


def test_a_tracker_clock_ten_minutes_behind_still_reads_a_persons_pin(
    kind: str, harness: Harness, tmp_path: Path
) -> None:
    """The tracker stamps ``updated`` ten minutes behind syncd's clock: a pull bounded by syncd's clock
    would never see the person's pin; bounded by the tracker's, it does, with a warning on the skew."""
    expected = reference(kind, tmp_path)
    _clock(harness).advance(-600)
    assert run_sync(tmp_path, harness).result is not None
    key, pin, carried = harness.pin
    harness.person_labels(key, add=[pin])
    with capture_logs() as logs:
        outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None, outcome.error
    assert outcome.result.status == "ok", outcome.result.errors
    assert any(log["event"] == "tracker.clock_skew" and log["skew_seconds"] < -500 for log in logs)
    labels = harness.labels()
    assert owned(labels[key]) == carried, "the person's pin was read and obeyed"
    assert {k: v for k, v in labels.items() if k != key} == {k: v for k, v in expected.items() if k != key}
    assert report_comments(harness) == 1


def _report_post(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "syncd", "--config", str(config), "report", "--post"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("kind", ["jira-cloud", "linear"], indirect=True)
def test_two_processes_posting_the_report_leave_one_comment(kind: str, tmp_path: Path) -> None:
    """Each trial: a synced state without a report, then two ``report --post`` at once, while every comment
    write is held a second: the later process finds the first one's comment under the lock and edits it."""
    expected = reference(kind, tmp_path)
    for trial in range(3):
        directory = tmp_path / f"trial-{trial}"
        directory.mkdir()
        with make(kind) as harness:
            assert run_sync(directory, harness, report=False).result is not None
            harness.faults.latency = 1.0
            harness.faults.paths = harness.comment_paths
            config = harness.settings_file(directory)
            first, second = _report_post(config), _report_post(config)
            for process in (first, second):
                out, err = process.communicate(timeout=120)
                assert process.returncode == 0, out + err
            assert report_comments(harness) == 1, f"trial {trial}: one report comment"
            assert harness.labels() == expected
