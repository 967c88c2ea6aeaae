"""``syncd check`` against the emulated trackers: a checklist of credentials, scope and permissions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.connectors import open_connector
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite, LinearWorkspace, TrackerSettings, load_settings
from syncd.strategy import load_strategy
from tests.conftest import EXAMPLE_STRATEGY
from tests.integration.harness import Harness, JiraHarness, LinearHarness
from tests.sandbox.jira_openapi import validate_exchanges


@pytest.fixture(params=["jira-cloud", "jira-datacenter", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """The tracker (a Jira harness checks every exchange against Atlassian's OpenAPI description as it closes)."""
    kind = request.param
    started: Harness = LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))
    with started:
        yield started


def check(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "check"])
    return result.exit_code, result.stdout + result.stderr


def test_everything_works(tmp_path: Path, harness: Harness) -> None:
    code, out = check(harness.settings_file(tmp_path))
    assert code == 0, out
    assert f"{harness.tracker}:\n  ✓ credentials: authenticated as" in out
    assert f"✓ report issue {harness.report_issue}" in out
    assert "✗" not in out
    assert harness.writes() == 0
    assert harness.comments(harness.report_issue) == [], "nothing was written"
    if isinstance(harness, LinearHarness):
        assert "✓ write labels and comments: the key may write" in out
        [probe] = harness.comment_requests()
        assert probe["variables"]["id"] == "00000000-0000-4000-8000-000000000000", "an edit of no comment at all"
    else:
        assert harness.comment_requests() == []
    if isinstance(harness, JiraHarness):
        fields = "customfield_10016, customfield_10028" if harness.deployment == "cloud" else "customfield_10002"
        assert f"✓ estimates: read from {fields} (the first with a value)" in out
        validate_exchanges(harness.log.records(), must_cover=["myself", "mypermissions", "issue_get"])


def test_refused_credentials_exit_3(tmp_path: Path, harness: Harness) -> None:
    code, out = check(harness.settings_file(tmp_path, credential="lin_api_wrong0000000000000000000000000000"))
    assert code == 3
    assert "✗ credentials:" in out


def test_a_user_who_may_only_read_is_told_so(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        reader = harness.site.store.create_user(
            display_name="Read Only", email="reader@acme.example", token="reader-token", can_edit=False
        )
        config = harness.settings_file(tmp_path)
        config.write_text(
            config.read_text()
            .replace(f'email = "{harness.site.user.email}"', f'email = "{reader.email}"')
            .replace(f'api_token = "{harness.site.user.token}"', 'api_token = "reader-token"')
        )
        code, out = check(config)
        validate_exchanges(harness.log.records(), must_cover=["mypermissions"])
    assert code == 1
    assert "✗ edit labels in GROW: missing EDIT_ISSUES" in out
    assert "✗ report issue STRAT-1: visible, but missing ADD_COMMENTS, EDIT_OWN_COMMENTS" in out


def test_a_linear_key_that_may_only_read_is_told_so(tmp_path: Path) -> None:
    with LinearHarness() as harness:
        reader = harness.workspace.add_api_key(can_write=False)
        code, out = check(harness.settings_file(tmp_path, credential=reader))
    assert code == 1
    assert "✗ write labels and comments: permission denied: " in out
    assert "use a key with write access" in out


def test_a_missing_project_is_named(tmp_path: Path) -> None:
    with JiraHarness("datacenter") as harness:
        config = harness.settings_file(tmp_path)
        config.write_text(config.read_text().replace('"MISC"]', '"MISC", "NOPE"]'))
        code, out = check(config)
    assert code == 1
    assert "✗ read project NOPE:" in out


def insecure_jira() -> JiraSite:
    return JiraSite(url="http://jira.acme.example:8080", allow_insecure_http=True, token="data-center-pat")


def insecure_linear() -> LinearWorkspace:
    return LinearWorkspace(url="http://linear-proxy.acme.example/graphql", allow_insecure_http=True, api_key="k")


@pytest.mark.parametrize(("name", "site"), [("jira.acme", insecure_jira()), ("linear.acme", insecure_linear())])
def test_plain_http_to_another_host_is_named_loudly_when_a_connector_opens(name: str, site: TrackerSettings) -> None:
    strategy = load_strategy(EXAMPLE_STRATEGY)
    with structlog.testing.capture_logs() as logs:
        connector = open_connector(name, site, strategy, policy=RetryPolicy(), stats=CallStats())
        connector.close()
    [warning] = [entry for entry in logs if entry["event"] == "connector.insecure_http"]
    assert warning["log_level"] == "warning"
    assert (warning["tracker"], warning["url"]) == (name, site.url)


def test_loopback_http_opens_quietly(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text().replace("url = ", "allow_insecure_http = true\nurl = "))
    settings = load_settings(config)
    [(name, site)] = settings.trackers().items()
    assert site.allow_insecure_http
    with structlog.testing.capture_logs() as logs:
        open_connector(name, site, load_strategy(settings.strategy), policy=RetryPolicy(), stats=CallStats()).close()
    assert logs == [], "plain http to this machine needs no opt-in, so the opt-in is not worth a warning"


def test_check_speaks_json_for_scripts(tmp_path: Path, harness: Harness) -> None:
    result = CliRunner().invoke(app, ["--config", str(harness.settings_file(tmp_path)), "check", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema"] == 1
    assert document["command"] == "check"
    assert document["problems"] == []
    [tracker] = document["trackers"]
    assert tracker["name"] == harness.tracker
    assert tracker["checks"][0]["name"] == "credentials"
    assert all(check["ok"] is True for check in tracker["checks"])


def test_check_json_lists_every_problem_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "strategy.yaml"
    bad.write_text(EXAMPLE_STRATEGY.read_text().replace("target: 0.40", "target: 4.0"))
    result = CliRunner().invoke(app, ["check", "--offline", "--json", "--strategy", str(bad)])
    assert result.exit_code == 2
    [problem] = json.loads(result.stdout)["problems"]
    assert problem == {"source": str(bad), "location": "objectives[0].target", "message": "must be at most 1 (got 4.0)"}


def test_a_team_beyond_the_first_page_of_teams_is_found(tmp_path: Path) -> None:
    """Linear answers at most 250 teams a page: a workspace with more is read page after page."""
    with LinearHarness() as harness:
        for number in range(260):
            harness.workspace.add_team(f"T{number:03d}")
        config = harness.settings_file(tmp_path)
        config.write_text(config.read_text().replace('teams = ["ENG", "GRO", "INF"]', 'teams = ["ENG", "T259"]'))
        code, out = check(config)
        pages = [r for r in harness.log.records() if b"SyncdTeams" in r.body]
    assert "✓ read team T259: visible" in out, out
    assert "✓ read team ENG: visible" in out
    assert code == 0, out
    assert len(pages) == 2
