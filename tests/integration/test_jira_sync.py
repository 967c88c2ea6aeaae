"""syncd sync against the Jira emulator, over real HTTP with the real ``jira`` client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from syncd.cli import app
from syncd.engine import SyncOptions
from syncd.retry import CallStats
from syncd.sandbox.jira import JiraEmulator
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from syncd.trackers import sync_trackers
from tests.integration.contract import ConnectorContract, run_sync
from tests.integration.harness import JiraHarness
from tests.sandbox.jira_openapi import validate_exchange


def validated(harness: JiraHarness) -> Iterator[JiraHarness]:
    """The harness; afterwards every request syncd sent and every answer is checked against Atlassian's
    OpenAPI description."""
    with harness:
        yield harness
        for record in harness.log.records():
            validate_exchange(record)


class TestJiraCloud(ConnectorContract):
    @pytest.fixture
    def harness(self) -> Iterator[JiraHarness]:
        yield from validated(JiraHarness("cloud"))


class TestJiraDataCenter(ConnectorContract):
    @pytest.fixture
    def harness(self) -> Iterator[JiraHarness]:
        yield from validated(JiraHarness("datacenter"))


@pytest.fixture(params=["cloud", "datacenter"])
def harness(request: pytest.FixtureRequest) -> Iterator[JiraHarness]:
    yield from validated(JiraHarness(request.param))


def test_malformed_issue_is_skipped_and_the_rest_synced(tmp_path: Path, harness: JiraHarness) -> None:
    harness.site.store.corrupt("OPS-2", status=None, summary=42)
    with structlog.testing.capture_logs() as logs:
        outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None
    assert outcome.result.skipped == 1
    assert outcome.exit_code == 1
    assert harness.labels()["OPS-2"] == set()
    assert harness.labels()["OPS-1"] == {"objective:reliability"}
    [skipped] = [entry for entry in logs if entry["event"] == "item.skipped"]
    assert skipped["issue"] == "OPS-2"
    assert "malformed" in skipped["reason"]
    harness.log.clear()  # the corrupted answers are deliberately outside Jira's schema


def test_dry_run_says_why(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    result = CliRunner().invoke(app, ["--config", str(config), "sync", "--dry-run"])
    assert "GROW-2: +objective:self-serve-growth  (structure: inherited from GROW-1 (epic): project GROW)" in (
        result.stdout
    )
    assert "MISC-1: +alignment:none  (no rule matched)" in result.stdout


def test_auto_deployment_asks_the_server_once(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text().replace(f'deployment = "{harness.deployment}"', 'deployment = "auto"'))
    settings = load_settings(config)
    strategy = load_strategy(settings.strategy)
    with StateStore.open(settings.state_file()) as store:
        for _ in range(2):
            sync_trackers(settings, strategy, store, settings.trackers(), SyncOptions(), stats=CallStats())
    assert harness.log.count("serverInfo") == 1
    assert harness.log.count("myself") == 1
    assert harness.log.count("field") == 1


def test_small_pages_with_overlap_read_everything(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text().replace("page_size = 50", "page_size = 5"))
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 0, result.stderr
    assert "pulled 12" in result.stdout
    assert harness.reads() >= 3


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_incremental_pull_in_the_users_time_zone_misses_nothing(tmp_path: Path, zone: str) -> None:
    with JiraHarness("cloud") as harness:
        site: JiraEmulator = harness.site
        site.store.set_time_zone(site.user, zone)
        run_sync(tmp_path, harness)
        site.store.edit_labels("MISC-4", add=["objective:reliability"])
        run_sync(tmp_path, harness)
        assert harness.labels()["MISC-4"] == {"objective:reliability"}, "the pin was seen and replaced syncd's label"
