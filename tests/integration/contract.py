"""The promises every connector keeps, tested over real HTTP against its emulator.

Each tracker's test module subclasses :class:`ConnectorContract` and provides a ``harness`` fixture; the
tests here never look at a tracker's own shapes, only at labels, writes and reads.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from syncd.sync.all_trackers import TrackerOutcome, sync_trackers
from syncd.sync.engine import SyncOptions
from tests.conftest import EXAMPLE_STRATEGY, REPO
from tests.integration.harness import Harness

UNRELATED = "needs-design"
IN_FLIGHT = 4  # the default of a tracker's concurrency setting
"""A label a person adds that is outside syncd's namespace, so syncd must never touch it."""


def run_sync(tmp_path: Path, harness: Harness, *, report: bool = True, **options: bool) -> TrackerOutcome:
    settings = load_settings(harness.settings_file(tmp_path))
    strategy = load_strategy(settings.strategy)
    with StateStore.connect(settings.state_target()) as store:
        [outcome] = sync_trackers(settings, strategy, store, settings.trackers(), SyncOptions(**options), report=report)
    return outcome


def owned(labels: set[str]) -> set[str]:
    """The labels of the example strategy's namespace among ``labels``."""
    scheme = load_strategy(EXAMPLE_STRATEGY).labels
    return {label for label in labels if scheme.owns(label)}


def pulled_keys(tmp_path: Path, harness: Harness) -> set[str]:
    with StateStore.connect(harness.state_target(tmp_path)) as store:
        return store.items.keys(harness.tracker)


def reference_labels(tmp_path: Path, harness: Harness) -> dict[str, set[str]]:
    """The labels a clean sync of a fresh copy of the organisation writes, without any fault."""
    directory = tmp_path / "reference"
    directory.mkdir()
    with harness.fresh() as clean:
        outcome = run_sync(directory, clean)
        assert outcome.result is not None
        assert outcome.result.status == "ok"
        return clean.labels()


class ConnectorContract:
    def test_first_sync_labels_every_issue_and_a_rerun_writes_nothing(self, tmp_path: Path, harness: Harness) -> None:
        outcome = run_sync(tmp_path, harness)
        assert outcome.result is not None
        assert outcome.result.status == "ok", outcome.result.errors
        assert outcome.result.pulled == harness.issue_count
        labels = harness.labels()
        for key, expected in harness.expectations().items():
            assert labels[key] == expected, key
        pulled = pulled_keys(tmp_path, harness)
        assert len(pulled) == harness.issue_count
        unlabelled = sorted(key for key in pulled if not owned(labels[key]))
        assert not unlabelled, f"every pulled issue carries an objective, a value or the unaligned label: {unlabelled}"
        assert harness.writes() > 0
        harness.log.clear()
        again = run_sync(tmp_path, harness)
        assert again.result is not None
        assert again.result.changed == 0
        assert harness.writes() == 0
        assert harness.reads() == 1, "one page re-reads syncd's own edits; no other request"
        assert len(harness.log.records()) == 1
        harness.log.clear()
        assert run_sync(tmp_path, harness).result is not None
        assert harness.writes() == 0

    def test_people_keep_their_labels_and_pins_change_the_mapping(self, tmp_path: Path, harness: Harness) -> None:
        run_sync(tmp_path, harness)
        key, pin, after_pin = harness.pin
        mapped_before = owned(harness.labels()[key])
        assert pin not in mapped_before, "the pin is a change of mapping, not a confirmation"
        harness.person_labels(key, add=[pin, UNRELATED])
        declined_key, declined_label = harness.declined
        harness.person_labels(declined_key, remove=[declined_label])
        before = harness.labels()
        outcome = run_sync(tmp_path, harness)
        assert outcome.result is not None
        assert outcome.result.status == "ok", outcome.result.errors
        labels = harness.labels()
        assert labels[key] >= after_pin | {UNRELATED}, "the pin and the unrelated label both stay"
        assert {label for label in labels[key] if label.startswith("objective:")} == {pin}
        assert owned(labels[key]) != mapped_before, "the pin changed the mapping"
        assert labels[declined_key] == before[declined_key], "a label a person removed is not put back"
        assert run_sync(tmp_path, harness).result.changed == 0  # type: ignore[union-attr]

    def test_rate_limit_storms_converge(self, tmp_path: Path, harness: Harness) -> None:
        harness.faults.rate_limit_every = 3
        harness.faults.retry_after = 1
        harness.faults.error_every = 4
        outcome = run_sync(tmp_path, harness, report=False)
        assert outcome.result is not None
        assert outcome.result.status == "ok", outcome.result.errors
        faulted = harness.log.count(faulted=True)
        assert outcome.result.retries == faulted > 0
        records = harness.log.records()
        for index, refused in enumerate(records):
            if refused.fault is not None and refused.fault.value == "rate_limit":
                soon = [r for r in records[index + 1 :] if r.at - refused.at < 0.9]
                assert len(soon) <= 2 * (IN_FLIGHT - 1), "the reset is honoured: only requests already on their way"
        harness.faults.reset()
        assert harness.labels() == reference_labels(tmp_path, harness)

    def test_refused_credentials_exit_3_naming_the_tracker(self, tmp_path: Path, harness: Harness) -> None:
        config = harness.settings_file(tmp_path, credential="lin_api_wrong0000000000000000000000000000")
        result = CliRunner().invoke(app, ["--config", str(config), "sync"])
        assert result.exit_code == 3
        assert harness.tracker in result.stderr
        assert "wrong0000" not in result.stderr + result.stdout
        assert harness.writes() == 0

    def test_dry_run_writes_nothing(self, tmp_path: Path, harness: Harness) -> None:
        before = harness.labels()
        config = harness.settings_file(tmp_path)
        result = CliRunner().invoke(app, ["--config", str(config), "sync", "--dry-run"])
        assert result.exit_code == 0, result.stderr
        assert f"{harness.issue_count} issues would change (nothing was written)" in result.stdout
        assert harness.writes() == 0
        assert harness.labels() == before

    def test_killed_mid_apply_resumes_without_writing_twice(self, tmp_path: Path, harness: Harness) -> None:
        config = harness.settings_file(tmp_path)
        harness.faults.latency = 0.3
        harness.faults.paths = harness.write_paths
        command = [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"]
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while harness.writes() < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, "the sync died from the kill, not by finishing first"
        with StateStore.connect(harness.state_target(tmp_path)) as store:
            assert store.outbox.pending(), "the kill left label writes in the outbox for the restart"
        harness.faults.reset()
        time.sleep(harness.lease_wait)
        finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
        assert finished.returncode == 0, finished.stderr
        writes = harness.writes_per_issue()
        assert set(writes.values()) == {1}, f"every issue written exactly once: {writes}"
        with StateStore.connect(harness.state_target(tmp_path)) as store:
            assert store.outbox.pending() == []
        assert harness.labels() == reference_labels(tmp_path, harness)
