"""``syncd check`` against the emulated trackers: a checklist of credentials, scope and permissions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from tests.integration.harness import Harness, JiraHarness, LinearHarness


@pytest.fixture(params=["jira-cloud", "jira-datacenter", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
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
    assert harness.comment_requests() == []


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
    assert code == 1
    assert "✗ edit labels in GROW: missing EDIT_ISSUES" in out
    assert "✗ report issue STRAT-1: visible, but missing ADD_COMMENTS, EDIT_OWN_COMMENTS" in out


def test_a_missing_project_is_named(tmp_path: Path) -> None:
    with JiraHarness("datacenter") as harness:
        config = harness.settings_file(tmp_path)
        config.write_text(config.read_text().replace('"MISC"]', '"MISC", "NOPE"]'))
        code, out = check(config)
    assert code == 1
    assert "✗ read project NOPE:" in out
