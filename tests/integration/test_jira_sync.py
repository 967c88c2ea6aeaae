"""syncd sync against the Jira emulator, over real HTTP with the real ``jira`` client."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from syncd.cli import app
from syncd.engine import SyncOptions
from syncd.retry import RetryStats
from syncd.sandbox.jira import JiraEmulator
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from syncd.trackers import TrackerOutcome, sync_trackers
from tests.conftest import REPO
from tests.integration.jira_org import seed, settings_file
from tests.sandbox.jira_openapi import validate_exchange


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    """A seeded site; afterwards every request syncd sent and every answer is checked against Atlassian's
    OpenAPI description."""
    with JiraEmulator(request.param) as emulator:
        seed(emulator)
        yield emulator
        for record in emulator.log.records():
            validate_exchange(record)


def run_sync(tmp_path: Path, site: JiraEmulator, **options: bool) -> TrackerOutcome:
    settings = load_settings(settings_file(tmp_path, site))
    strategy = load_strategy(settings.strategy)
    with StateStore.open(settings.state_file()) as store:
        [outcome] = sync_trackers(settings, strategy, store, settings.trackers(), SyncOptions(**options))
    return outcome


def labels(site: JiraEmulator) -> dict[str, set[str]]:
    return {issue.key: set(site.store.labels(issue.key)) for issue in site.store.issues()}


def test_first_sync_labels_every_issue_second_writes_nothing(tmp_path: Path, site: JiraEmulator) -> None:
    outcome = run_sync(tmp_path, site)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert outcome.result.pulled == 12
    after = labels(site)
    assert after["GROW-1"] == {"objective:self-serve-growth"}
    assert after["GROW-3"] == {"objective:self-serve-growth"}, "a sub-task inherits from its story's epic"
    assert after["ENT-2"] == {"objective:enterprise-readiness"}
    assert after["OPS-2"] == {"objective:reliability", "value:quality"}
    assert after["MISC-1"] == {"facilities", "alignment:none"}, "a person's label is kept"
    assert after["MISC-2"] == {"customer-reported", "alignment:none", "value:customer-first"}
    assert after["STRAT-1"] == set(), "out of scope"
    assert outcome.result.applied == 12

    site.log.clear()
    again = run_sync(tmp_path, site)
    assert again.result is not None
    assert again.result.changed == 0
    endpoints = site.log.by_endpoint()
    assert endpoints["issue_edit"] == 0
    search = "search_jql" if site.deployment.value == "cloud" else "search"
    assert set(endpoints) == {search}, "no serverInfo, myself or field on a warm sync"
    pages = -(-12 // 5) if site.deployment.value == "cloud" else -(-12 // 4)
    assert endpoints[search] <= pages, "the overlap re-reads syncd's own edits, nothing more"


def test_people_keep_their_labels_and_pins_change_the_mapping(tmp_path: Path, site: JiraEmulator) -> None:
    run_sync(tmp_path, site)
    site.store.edit_labels("OPS-1", add=["on-call", "objective:enterprise-readiness"])
    site.store.edit_labels("GROW-4", remove=["objective:self-serve-growth"])
    outcome = run_sync(tmp_path, site)
    assert outcome.result is not None
    assert outcome.result.status == "ok"
    after = labels(site)
    assert after["OPS-1"] == {"on-call", "objective:enterprise-readiness"}, "the pin replaced syncd's label"
    assert after["GROW-4"] == {"pricing"}, "a label a person removed is not put back"


def test_rate_limits_and_server_errors_converge(tmp_path: Path, site: JiraEmulator) -> None:
    site.faults.rate_limit_every = 4
    site.faults.retry_after = 1
    site.faults.error_every = 5
    outcome = run_sync(tmp_path, site)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert outcome.result.retries == site.log.count(faulted=True) > 0
    records = site.log.records()
    for before, following in itertools.pairwise(records):
        if before.status == 429:
            assert following.at - before.at >= 1.0, "Retry-After is honoured"
    site.faults.reset()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with JiraEmulator(site.deployment) as clean:
        seed(clean)
        run_sync(fresh, clean)
        assert labels(site) == labels(clean)


def test_refused_credentials_exit_3_naming_the_tracker(tmp_path: Path, site: JiraEmulator) -> None:
    config = settings_file(tmp_path, site, token="wrong-token")
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 3
    assert "jira.acme" in result.stderr
    assert "authentication failed (401)" in result.stderr
    assert "wrong-token" not in result.stderr + result.stdout


def test_malformed_issue_is_skipped_and_the_rest_synced(tmp_path: Path, site: JiraEmulator) -> None:
    site.store.corrupt("OPS-2", status=None, summary=42)
    with structlog.testing.capture_logs() as logs:
        outcome = run_sync(tmp_path, site)
    assert outcome.result is not None
    assert outcome.result.skipped == 1
    assert outcome.exit_code == 1
    assert labels(site)["OPS-2"] == set()
    assert labels(site)["OPS-1"] == {"objective:reliability"}
    [skipped] = [entry for entry in logs if entry["event"] == "item.skipped"]
    assert skipped["issue"] == "OPS-2"
    assert "malformed" in skipped["reason"]
    site.log.clear()  # the corrupted answers are deliberately outside Jira's schema


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path, site: JiraEmulator) -> None:
    config = settings_file(tmp_path, site)
    result = CliRunner().invoke(app, ["--config", str(config), "sync", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert (
        "GROW-2: +objective:self-serve-growth  (structure: inherited from GROW-1 (epic): project GROW)" in result.stdout
    )
    assert "MISC-1: +alignment:none  (no rule matched)" in result.stdout
    assert "12 issues would change (nothing was written)" in result.stdout
    assert site.log.count("issue_edit") == 0
    assert not (tmp_path / "state.db").exists() or StateStore.open(tmp_path / "state.db").trackers() == []


def test_auto_deployment_asks_the_server_once(tmp_path: Path, site: JiraEmulator) -> None:
    settings = load_settings(settings_file(tmp_path, site, deployment="auto"))
    strategy = load_strategy(settings.strategy)
    with StateStore.open(settings.state_file()) as store:
        sync_trackers(settings, strategy, store, settings.trackers(), SyncOptions(), stats=RetryStats())
        sync_trackers(settings, strategy, store, settings.trackers(), SyncOptions(), stats=RetryStats())
    assert site.log.count("serverInfo") == 1
    assert site.log.count("myself") == 1
    assert site.log.count("field") == 1


def test_killed_mid_apply_resumes_without_applying_twice(tmp_path: Path, site: JiraEmulator) -> None:
    config = settings_file(tmp_path, site)
    site.faults.latency = 0.15
    site.faults.paths = r"/issue/\d+$"
    command = [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while site.log.count("issue_edit") < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_after = site.log.count("issue_edit")
    assert 5 <= killed_after < 12, "killed mid-apply"
    site.faults.reset()
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    edits: dict[str, int] = {}
    for record in site.log.records():
        if record.endpoint == "issue_edit":
            key = site.store.issue(record.path.rsplit("/", 1)[1]).key
            edits[key] = edits.get(key, 0) + 1
    assert sorted(edits.values()) == [1] * 12, f"every issue edited exactly once: {edits}"
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.outbox.pending() == []
    reference = tmp_path / "reference"
    reference.mkdir()
    with JiraEmulator(site.deployment) as clean:
        seed(clean)
        run_sync(reference, clean)
        assert labels(site) == labels(clean)


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_incremental_pull_in_the_users_time_zone_misses_nothing(tmp_path: Path, zone: str) -> None:
    with JiraEmulator("cloud") as site:
        seed(site)
        site.store.set_time_zone(site.user, zone)
        run_sync(tmp_path, site)
        site.store.edit_labels("MISC-4", add=["objective:reliability"])
        site.log.clear()
        outcome = run_sync(tmp_path, site)
        assert outcome.result is not None
        assert outcome.result.pulled >= 1
        assert labels(site)["MISC-4"] == {"objective:reliability"}, "the pin was seen and replaced syncd's label"
        [request] = [r for r in site.log.records() if r.endpoint == "search_jql"][:1]
        assert b"updated >=" in request.body
