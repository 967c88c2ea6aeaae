"""The fault matrix's shared pieces: every kind of tracker, the labels of a fault-free sync, faults armed
by their knobs, and the report comments counted. The test modules of the matrix (faults, the promises
that once broke, label provenance) each parametrise over every kind with the fixtures in conftest.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness

__all__ = ["KINDS", "Fault", "arm", "make", "reference", "report_comments", "small_pages"]

KINDS = ["jira-cloud", "jira-datacenter", "linear"]
_REFERENCE: dict[str, dict[str, set[str]]] = {}


def make(kind: str) -> Harness:
    return LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))


def reference(kind: str, tmp_path: Path) -> dict[str, set[str]]:
    """The labels a clean sync writes, computed once per kind of tracker."""
    if kind not in _REFERENCE:
        directory = tmp_path / "reference"
        directory.mkdir()
        with make(kind) as clean:
            run_sync(directory, clean)
            _REFERENCE[kind] = clean.labels()
    return _REFERENCE[kind]


def small_pages(harness: Harness, tmp_path: Path, *, timeout: int | None = None) -> None:
    """Pages of 3 issues (and a short client timeout), so faults can land between pages."""
    size = "page_size = 50" if isinstance(harness, JiraHarness) else "page_size = 250"
    harness.tweak(size, "page_size = 3" + (f"\ntimeout = {timeout}" if timeout is not None else ""))


@dataclass(frozen=True)
class Fault:
    """A fault armed before a sync, and exactly the retries it costs: a burst of N failed requests is N
    retries (each retried request succeeds), a page that repeats its cursor is asked for once more.
    A ``sequential`` fault needs one query's pages read in a row (one request at a time), as a pull of
    several teams side by side would give each team too few pages to have a next one."""

    name: str
    arm: Callable[[Harness], None]
    retries: int
    timeout: int | None = None
    kinds: tuple[str, ...] = tuple(KINDS)
    sequential: bool = False


def arm(**knobs: object) -> Callable[[Harness], None]:
    def arm(harness: Harness) -> None:
        for knob, value in knobs.items():
            setattr(harness.faults, knob, value)

    return arm


def report_comments(harness: Harness) -> int:
    return sum("syncd:drift:report" in text for text in harness.comments(harness.report_issue))
