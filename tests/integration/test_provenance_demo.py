"""What a lost state costs on the demo organisation: after ``syncd state reset`` on the synced demo, the
next sync writes no label and takes none of syncd's labels for a person's pin, reading the history of each
labelled issue at most once; the sync after it is back to one read per tracker, with no history read.
The figures are deterministic and quoted in README's reliability section."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.demo.run import run_demo
from syncd.state import StateStore


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo, synced and kept running; yields its settings file."""
    directory = tmp_path_factory.mktemp("demo")
    ready, stop = threading.Event(), threading.Event()

    def out(line: str) -> None:
        if line.startswith("The emulators keep running"):
            ready.set()

    worker = threading.Thread(
        target=run_demo, args=(directory,), kwargs={"out": out, "keep_running": True, "stop": stop}
    )
    worker.start()
    try:
        assert ready.wait(120), "the demo synced and kept its emulators up"
        yield directory / "syncd.toml"
    finally:
        stop.set()
        worker.join(30)


def cli(config: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    assert result.exit_code == 0, result.stderr


def last_runs(config: Path) -> dict[str, dict[str, Any]]:
    """The counts of the latest run of each tracker."""
    with StateStore.open(config.parent / "state.db") as store:
        return {tracker: store.runs.latest(tracker, limit=1)[0].counts for tracker in ("jira.acme", "linear.acme")}


def labelled_issues(config: Path) -> dict[str, int]:
    with StateStore.open(config.parent / "state.db") as store:
        return {tracker: len(store.items.keys(tracker)) for tracker in ("jira.acme", "linear.acme")}


def test_a_state_reset_on_the_synced_demo_costs_one_history_read_per_labelled_issue_once(demo: Path) -> None:
    cli(demo, "state", "reset", "--yes")
    cli(demo, "sync")
    after_reset = last_runs(demo)
    figures = {t: (c["applied"], c["pinned"], c["history_reads"], c["requests"]) for t, c in after_reset.items()}
    # (labels written, pins found, history reads, requests): every issue of the demo carries an owned label;
    # the pins are the three a person set (WEB-3, WEB-17, ENG-7), found again in the history; the full pull
    # reads each project's (team's) issues in a query of its own, and Linear's teams first
    assert figures == {"jira.acme": (0, 2, 175, 181), "linear.acme": (0, 1, 107, 113)}
    issues = labelled_issues(demo)
    assert all(after_reset[t]["history_reads"] <= issues[t] for t in issues), "at most one read per issue"
    cli(demo, "sync")
    after = last_runs(demo)
    assert {t: (c["history_reads"], c["applied"], c["pinned"]) for t, c in after.items()} == {
        "jira.acme": (0, 0, 0),
        "linear.acme": (0, 0, 0),
    }
    # the warm pull alone: Linear's one page; Jira's search pages of what changed within the minute its JQL
    # compares ``updated`` at, which here still holds the demo's own 170 writes (175 issues, 2 pages of 100)
    assert after["linear.acme"]["requests"] == 1
    assert after["jira.acme"]["requests"] == max(1, math.ceil(after["jira.acme"]["pulled"] / 100))
