"""People working while syncd works: edits between syncd's read and its write survive, and two syncd
processes never sync the same tracker at once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.state import StateStore
from tests.conftest import REPO
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness


@pytest.fixture(params=["jira-cloud", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    started: Harness = LinearHarness() if request.param == "linear" else JiraHarness("cloud")
    with started:
        yield started


def synced_with(tmp_path: Path, harness: Harness, edit: Callable[[], None]) -> None:
    """A sync during which a person makes ``edit`` after syncd read the issues and before its first write."""
    edited = harness.before_request(harness.write_paths, edit)
    outcome = run_sync(tmp_path, harness)
    del harness.faults.delay
    assert outcome.result is not None, outcome.error
    assert outcome.result.status == "ok", outcome.result.errors
    assert len(edited) == 1, "the person edited before syncd's first write"
    assert edited[0] >= 1, "and after syncd read the issues (a page per team or project)"


def test_a_persons_edit_between_read_and_write_survives(tmp_path: Path, harness: Harness) -> None:
    key = "GROW-2" if isinstance(harness, JiraHarness) else "GRO-2"
    extra = "needs-design" if isinstance(harness, JiraHarness) else "bug"
    synced_with(tmp_path, harness, lambda: harness.person_labels(key, add=[extra]))
    labels = harness.labels()[key]
    assert extra in labels, "the person's label, set after syncd read the issue, is still there"
    assert "objective:self-serve-growth" in labels


def test_a_syncd_label_a_person_removes_between_read_and_write_stays_removed(tmp_path: Path, harness: Harness) -> None:
    key = "GROW-1" if isinstance(harness, JiraHarness) else "GRO-1"
    run_sync(tmp_path, harness)
    assert harness.labels()[key] == {"objective:self-serve-growth"}
    harness.person_labels(key, add=["customer-reported"])  # so syncd has a value label to write on the issue
    harness.log.clear()
    synced_with(tmp_path, harness, lambda: harness.person_labels(key, remove=["objective:self-serve-growth"]))
    assert harness.writes_per_issue()[key] == 1, "syncd wrote to the issue after the person's edit"
    assert harness.labels()[key] == {"customer-reported", "value:customer-first"}
    assert run_sync(tmp_path, harness).result is not None
    assert harness.labels()[key] == {"customer-reported", "value:customer-first"}, "and it is not put back"


def test_a_persons_label_change_between_read_and_write_survives(tmp_path: Path, harness: Harness) -> None:
    key, removed, added = ("MISC-2", "customer-reported", "needs-design")
    if isinstance(harness, LinearHarness):
        key, removed, added = ("GRO-2", "pricing", "bug")
    assert removed in harness.labels()[key]
    synced_with(tmp_path, harness, lambda: harness.person_labels(key, remove=[removed], add=[added]))
    assert harness.writes_per_issue()[key] >= 1, "syncd wrote to the issue after the person's edit"
    labels = harness.labels()[key]
    assert added in labels
    assert removed not in labels
    assert run_sync(tmp_path, harness).result is not None
    labels = harness.labels()[key]
    assert added in labels
    assert removed not in labels


def test_a_persons_comment_next_to_the_report_survives(tmp_path: Path, harness: Harness) -> None:
    run_sync(tmp_path, harness)
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])

    def comment() -> None:
        if isinstance(harness, JiraHarness):
            harness.site.store.add_comment(harness.report_issue, "A person's note on the strategy")
        else:
            assert isinstance(harness, LinearHarness)
            harness.workspace.add_comment(harness.report_issue, "A person's note on the strategy")

    commented = harness.before_request(harness.comment_paths, comment)
    run_sync(tmp_path, harness)
    del harness.faults.delay
    assert commented, "the person commented just before syncd's report edit reached the tracker"
    texts = harness.comments(harness.report_issue)
    assert any("A person's note" in text for text in texts)
    assert sum("syncd:drift:report" in text for text in texts) == 1


def test_a_second_process_refuses_the_same_tracker(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        harness.faults.latency = 0.2
        harness.faults.paths = harness.write_paths
        config = harness.settings_file(tmp_path)
        first = subprocess.Popen(
            [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        deadline = time.monotonic() + 30
        while harness.writes() == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        second = CliRunner().invoke(app, ["--config", str(config), "sync"])
        assert second.exit_code == 2
        assert f"another syncd process (pid {first.pid}) is syncing jira.acme" in second.stderr
        assert first.wait(timeout=60) == 0
        with StateStore.open(tmp_path / "state.db") as store:
            assert store.outbox.pending() == []
            assert [run.status for run in store.runs.latest()] == ["ok"]
        assert harness.labels()["GROW-1"] == {"objective:self-serve-growth"}
