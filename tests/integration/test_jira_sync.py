"""syncd sync against the Jira emulator, over real HTTP with the real ``jira`` client."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from pydantic import SecretStr
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.retry import CallStats
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.fields import CLOUD_STORY_POINT_ESTIMATE, CLOUD_STORY_POINTS
from syncd.settings import load_settings
from syncd.state import Mark, StateStore
from syncd.strategy import load_strategy
from syncd.sync.all_trackers import sync_trackers
from syncd.sync.engine import SyncOptions
from tests.integration.contract import ConnectorContract, reference_labels, run_sync
from tests.integration.harness import JiraHarness
from tests.sandbox.jira_openapi import validate_exchanges


def validated(harness: JiraHarness) -> Iterator[JiraHarness]:
    """The harness, started; as it closes it checks every request syncd sent and every answer against
    Atlassian's OpenAPI description."""
    with harness:
        yield harness


class TestJiraCloud(ConnectorContract):
    @pytest.fixture
    def harness(self) -> Iterator[JiraHarness]:
        yield from validated(JiraHarness("cloud"))


class TestJiraCloudOnPostgres(ConnectorContract):
    """The same promises with the state in PostgreSQL."""

    @pytest.fixture
    def harness(self, postgres_url: SecretStr) -> Iterator[JiraHarness]:
        started = JiraHarness("cloud")
        started.on_postgres(postgres_url)
        yield from validated(started)


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


def test_a_skipped_issue_is_read_again_by_key_and_synced_once_it_reads(tmp_path: Path, harness: JiraHarness) -> None:
    store = harness.site.store
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    old = store.create_issue("OPS", "Failover drill", status="In Progress", created=hour_ago, updated=hour_ago)
    store.corrupt(old.key, status=None, summary=42)
    assert run_sync(tmp_path, harness).exit_code == 1
    harness.log.clear()  # the corrupted answer is deliberately outside Jira's schema
    store.corrupt(old.key)  # healed, not edited: a pull by updated since the last sync does not see it
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None
    assert outcome.result.status == "ok"
    assert "objective:reliability" in harness.labels()[old.key]
    version = "3" if harness.deployment == "cloud" else "2"
    assert [r.path for r in harness.log.records() if r.endpoint == "issue_get"] == [
        f"/rest/api/{version}/issue/{old.key}"
    ]


def test_dry_run_says_why(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    result = CliRunner().invoke(app, ["--config", str(config), "sync", "--dry-run"])
    why = "structure (firm), primary self-serve-growth: inherited from GROW-1 (epic): project GROW"
    assert f"GROW-2: +objective:self-serve-growth  ({why})" in result.stdout
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
    versions = [record.path.split("/")[3] for record in harness.log.records() if record.path.startswith("/rest/api/")]
    if harness.deployment == "cloud":
        assert set(versions) == {"3"}, "every request of a Cloud sync in REST v3, the first contact included"
    else:
        assert versions[0] == "3", "asked in v3 first: Data Center has none and answers 404"
        assert set(versions[1:]) == {"2"}


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


@pytest.fixture
def datacenter() -> Iterator[JiraHarness]:
    yield from validated(JiraHarness("datacenter"))


@pytest.fixture
def cloud() -> Iterator[JiraHarness]:
    yield from validated(JiraHarness("cloud"))


@pytest.mark.parametrize("page_size", [1, 2])
def test_classic_pages_of_any_size_read_every_issue(tmp_path: Path, datacenter: JiraHarness, page_size: int) -> None:
    datacenter.tweak("page_size = 50", f"page_size = {page_size}")
    datacenter.one_request_at_a_time()  # one search over every project, so its pages can be counted
    outcome = run_sync(tmp_path, datacenter)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert outcome.result.pulled == datacenter.issue_count
    assert datacenter.labels() == reference_labels(tmp_path, datacenter), "the same labels as one big page"
    pages = math.ceil((datacenter.issue_count - 1) / page_size)
    assert datacenter.reads() == pages, "each page shares one issue with the next and brings page_size new ones"


def saved_profile(tmp_path: Path) -> dict[str, Any]:
    with StateStore.open(tmp_path / "state.db") as store:
        saved = store.marks.get("jira.acme", Mark.PROFILE)
    assert saved is not None
    profile: dict[str, Any] = json.loads(saved)
    return profile


def save_profile(tmp_path: Path, **changes: Any) -> None:
    """Rewrite what an earlier sync saved, as an older sync or other settings would have left it."""
    profile = {**saved_profile(tmp_path), **changes}
    with StateStore.open(tmp_path / "state.db") as store:
        store.marks.set("jira.acme", Mark.PROFILE, json.dumps(profile))


def searched_fields(harness: JiraHarness) -> list[str]:
    """The fields the pull's searches asked for (a full pull searches each project; all ask alike)."""
    asked = {tuple(json.loads(r.body)["fields"]) for r in harness.log.records() if r.endpoint == "search_jql"}
    [fields] = asked
    return list(fields)


def test_estimates_come_from_whichever_story_points_field_a_project_uses(tmp_path: Path, cloud: JiraHarness) -> None:
    cloud.site.store.create_project("LEG", "Legacy", story_points_field=CLOUD_STORY_POINTS)
    legacy = cloud.site.store.create_issue("LEG", "Old-style estimate", story_points=8, status="In Progress")
    cloud.tweak('"MISC"]', '"MISC", "LEG"]')
    run_sync(tmp_path, cloud)
    assert saved_profile(tmp_path)["story_points_fields"] == [CLOUD_STORY_POINT_ESTIMATE, CLOUD_STORY_POINTS]
    with StateStore.open(tmp_path / "state.db") as store:
        modern = store.items.get("jira.acme", "GROW-2")
        old = store.items.get("jira.acme", legacy.key)
    assert modern is not None
    assert modern.item.estimate == 5, "Story point estimate"
    assert old is not None
    assert old.item.estimate == 8, "Story Points"


def test_a_configured_story_points_field_wins_over_the_saved_profile(tmp_path: Path, cloud: JiraHarness) -> None:
    run_sync(tmp_path, cloud)
    detected = [CLOUD_STORY_POINT_ESTIMATE, CLOUD_STORY_POINTS]
    assert saved_profile(tmp_path)["story_points_fields"] == detected
    cloud.tweak("page_size = 50", f'page_size = 50\nstory_points_field = "{CLOUD_STORY_POINTS}"')
    cloud.log.clear()
    run_sync(tmp_path, cloud, full=True)
    assert CLOUD_STORY_POINTS in searched_fields(cloud)
    assert CLOUD_STORY_POINT_ESTIMATE not in searched_fields(cloud)
    with StateStore.open(tmp_path / "state.db") as store:
        stored = store.items.get("jira.acme", "GROW-2")
    assert stored is not None
    assert stored.item.estimate is None, "only the configured field is read, though GROW-2 uses the other"
    assert saved_profile(tmp_path)["story_points_fields"] == detected, "only what the site said is saved"


def test_a_configured_deployment_wins_over_the_saved_profile(tmp_path: Path, datacenter: JiraHarness) -> None:
    run_sync(tmp_path, datacenter)
    save_profile(tmp_path, deployment="cloud")
    datacenter.log.clear()
    outcome = run_sync(tmp_path, datacenter)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert datacenter.log.count("search_jql") == 0
    assert datacenter.log.count("search") == 1
    assert saved_profile(tmp_path)["deployment"] == "datacenter"


def test_a_changed_time_zone_is_asked_again_once_the_profile_is_a_day_old(tmp_path: Path, cloud: JiraHarness) -> None:
    site = cloud.site
    site.store.set_time_zone(site.user, "Pacific/Auckland")
    run_sync(tmp_path, cloud)
    site.store.set_time_zone(site.user, "America/Los_Angeles")
    run_sync(tmp_path, cloud)
    assert cloud.log.count("myself") == 1, "a warm sync asks nothing about the site"
    day_old = datetime.now(UTC) - timedelta(days=1, minutes=1)
    save_profile(tmp_path, checked_at=day_old.isoformat())
    site.store.edit_labels("MISC-4", add=["objective:reliability"])
    run_sync(tmp_path, cloud)
    assert cloud.log.count("myself") == 2
    assert saved_profile(tmp_path)["time_zone"] == "America/Los_Angeles"
    assert cloud.labels()["MISC-4"] == {"objective:reliability"}, "the edit was inside the bound"


def test_a_full_sweep_asks_the_time_zone_again(tmp_path: Path, cloud: JiraHarness) -> None:
    run_sync(tmp_path, cloud)
    cloud.site.store.set_time_zone(cloud.site.user, "Asia/Kolkata")
    run_sync(tmp_path, cloud, full=True)
    assert cloud.log.count("myself") == 2
    assert saved_profile(tmp_path)["time_zone"] == "Asia/Kolkata"
    run_sync(tmp_path, cloud)
    assert cloud.log.count("myself") == 2, "the sweep's answer serves the warm syncs after it"


def test_a_report_with_changed_figures_edits_its_comment_within_the_description(
    tmp_path: Path, harness: JiraHarness
) -> None:
    run_sync(tmp_path, harness)
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])
    outcome = run_sync(tmp_path, harness)
    assert outcome.report is not None
    assert outcome.report.posted
    assert harness.log.count("comment_add") == 1
    assert harness.log.count("comment_edit", method="PUT", status=200) == 1
    validate_exchanges(harness.log.records(), must_cover=["comment_add", "comment_edit"])


def test_an_estimate_that_is_not_a_number_is_no_estimate_and_said_once(tmp_path: Path, harness: JiraHarness) -> None:
    store = harness.site.store
    field = store.project_by_key("OPS").story_points_field
    store.corrupt("OPS-1", **{field: {}})
    store.corrupt("OPS-2", **{field: {"value": "3"}})
    with structlog.testing.capture_logs() as logs:
        outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None
    assert outcome.result.skipped == 0
    assert harness.labels()["OPS-1"] == {"objective:reliability"}
    with StateStore.open(tmp_path / "state.db") as state:
        estimates = {stored.item.key: stored.item.estimate for stored in state.items.all(harness.tracker)}
    assert (estimates["OPS-1"], estimates["OPS-2"], estimates["GROW-4"]) == (None, None, 2.0)
    [warning] = [entry for entry in logs if entry["event"] == "estimate.unreadable"]
    assert (warning["field"], warning["issue"], warning["log_level"]) == (field, "OPS-1", "warning")
    harness.log.clear()  # the corrupted answers are deliberately outside Jira's schema
