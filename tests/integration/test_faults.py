"""The fault matrix: every fault against every emulator, over real HTTP. Each sync must end with exactly
the labels and the one report comment a sync without the fault writes, with its retries counted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.contract import run_sync
from tests.integration.fault_matrix import Fault, arm, reference, report_comments, small_pages
from tests.integration.harness import Harness, JiraHarness, LinearHarness

FAULTS = [
    Fault("429 burst with Retry-After", arm(rate_limit_burst=3, retry_after=1), retries=3),
    Fault("429 burst without Retry-After", arm(rate_limit_burst=3, retry_after=None), retries=3),
    *(Fault(f"{status} burst", arm(error_burst=2, error_status=status), retries=2) for status in (500, 502, 503, 504)),
    Fault("latency beyond the client timeout", arm(slow_burst=1, slow_seconds=2.5), retries=1, timeout=1),
    Fault("connections dropped mid-response", arm(drop_burst=3), retries=3),
    Fault(
        "a page repeats its cursor",
        arm(repeat_cursor_burst=1),
        retries=1,
        kinds=("jira-cloud", "linear"),
        sequential=True,
    ),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_sync_converges_through(fault: Fault, kind: str, harness: Harness, tmp_path: Path) -> None:
    if kind not in fault.kinds:
        pytest.skip(f"{fault.name} does not apply to {kind}")
    expected = reference(kind, tmp_path)
    small_pages(harness, tmp_path, timeout=fault.timeout)
    if fault.sequential:
        harness.one_request_at_a_time()
    fault.arm(harness)
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None, outcome.error
    assert outcome.result.status == "ok", outcome.result.errors
    assert outcome.result.retries == fault.retries, "each failed request retried once, and counted"
    assert harness.labels() == expected
    assert report_comments(harness) == 1


_PAGES = r"search|/graphql/query/issues$"


def _between_pages(harness: Harness, change: Callable[[], None]) -> list[int]:
    """Make ``change`` when the second page of issues is asked for, before it is answered: after the first
    page was served and before the rest are read. Returns the list that receives the reads served by then."""
    return harness.before_request(_PAGES, change, nth=2)


def _pull_across(tmp_path: Path, harness: Harness, change: Callable[[], None]) -> None:
    """A sync whose pull sees ``change`` land between the pages of its one query."""
    small_pages(harness, tmp_path)
    harness.one_request_at_a_time()
    landed = _between_pages(harness, change)
    outcome = run_sync(tmp_path, harness)
    del harness.faults.delay
    assert outcome.result is not None, outcome.error
    assert landed == [1], "the change landed after the first page and before the second was answered"
    assert harness.reads() > 2, "and the pull went on reading pages after it"


def _converge(tmp_path: Path, harness: Harness) -> None:
    for _ in range(3):
        outcome = run_sync(tmp_path, harness)
        assert outcome.result is not None, outcome.error
        if outcome.result.changed == 0:
            return
    raise AssertionError("no convergence within three syncs")


def test_an_issue_deleted_between_pages(kind: str, harness: Harness, tmp_path: Path) -> None:
    victim = "MISC-4" if isinstance(harness, JiraHarness) else "INF-2"
    _pull_across(tmp_path, harness, lambda: harness.delete_issue(victim))
    _converge(tmp_path, harness)
    expected = {key: labels for key, labels in reference(kind, tmp_path).items() if key != victim}
    assert harness.labels() == expected
    assert report_comments(harness) == 1


def test_an_issue_moved_between_pages(kind: str, harness: Harness, tmp_path: Path) -> None:
    _pull_across(tmp_path, harness, lambda: _move(harness))
    _converge(tmp_path, harness)
    moved = _moved_key(harness)
    labels = harness.labels()
    owned = {label for label in labels[moved] if label.startswith(("objective:", "alignment:"))}
    assert owned == {"objective:reliability"}, "mapped by its new home, nothing left from the old one"
    assert report_comments(harness) == 1


def _move(harness: Harness) -> None:
    if isinstance(harness, JiraHarness):
        harness.site.store.move_issue("MISC-4", "OPS")
    else:
        assert isinstance(harness, LinearHarness)
        harness.workspace.move_issue("ENG-4", "INF")


def _moved_key(harness: Harness) -> str:
    if isinstance(harness, JiraHarness):
        return harness.site.store.issue("MISC-4").key
    assert isinstance(harness, LinearHarness)
    return harness.workspace.issue(
        next(i.id for i in harness.workspace.store.issues.values() if i.title == "Tidy the wiki")
    ).identifier
