"""``syncd webhooks install|list|remove`` and ``syncd check`` against the emulated Jira site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.state import Mark, StateStore
from tests.conftest import WEBHOOK_SECRET
from tests.integration.harness import JiraHarness

PUBLIC = "https://syncd.acme.example"


@pytest.fixture
def harness() -> Iterator[JiraHarness]:
    with JiraHarness("cloud") as started:
        yield started


@pytest.fixture
def config(tmp_path: Path, harness: JiraHarness, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SYNCD_JIRA__ACME__WEBHOOK_SECRET", WEBHOOK_SECRET)
    path = harness.settings_file(tmp_path)
    path.write_text(path.read_text() + f'\n[service.webhooks]\nenabled = true\npublic_url = "{PUBLIC}/"\n')
    return path


def syncd(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), *args])
    return result.exit_code, result.stdout + result.stderr


def test_install_is_idempotent_and_remove_deletes_only_syncd_webhooks(config: Path, harness: JiraHarness) -> None:
    other = harness.site.app.webhooks
    code, out = syncd(config, "webhooks", "install")
    assert code == 0, out
    assert "jira.acme: registered: 1 (project in (GROW, OPS, ENT, MISC))" in out
    [hook] = other.hooks()
    assert hook.url == f"{PUBLIC}/webhooks/jira/acme"
    assert hook.secret == WEBHOOK_SECRET
    assert set(hook.events) >= {"jira:issue_created", "jira:issue_updated", "jira:issue_deleted"}

    code, out = syncd(config, "webhooks", "install")
    assert code == 0, out
    assert "already registered" in out
    assert len(other.hooks()) == 1

    other_integration = {"name": "other", "url": "https://elsewhere.example/hook", "events": []}
    email, token = harness.site.basic_auth
    response = requests.post(
        f"{harness.site.url}/rest/webhooks/1.0/webhook", json=other_integration, auth=(email, token), timeout=5
    )
    assert response.status_code == 201
    code, out = syncd(config, "webhooks", "list")
    assert "jira.acme: 1 webhook(s)" in out
    code, out = syncd(config, "webhooks", "remove")
    assert code == 0, out
    assert "removed 1 webhook(s)" in out
    assert [h.url for h in other.hooks()] == ["https://elsewhere.example/hook"]


def test_check_says_whether_webhooks_are_registered_and_when_one_last_arrived(
    config: Path, harness: JiraHarness, tmp_path: Path
) -> None:
    code, out = syncd(config, "check")
    assert "jira.acme: not registered: run `syncd webhooks install`; none arrived yet" in out
    syncd(config, "webhooks", "install")
    with StateStore.open(tmp_path / "state.db") as store:
        store.marks.set("jira.acme", Mark.LAST_WEBHOOK, "2026-12-03T17:00:00+00:00")
    code, out = syncd(config, "check")
    assert code == 0, out
    assert "jira.acme: registered (1); last arrived 2026-12-03 17:00:00 UTC" in out
    assert WEBHOOK_SECRET not in out
    code, out = syncd(config, "check", "--json")
    assert code == 0, out
    assert json.loads(out)["webhooks"] == [
        {"tracker": "jira.acme", "registered": 1, "error": None, "last_arrived": "2026-12-03T17:00:00+00:00"}
    ]


def test_install_without_a_public_url_says_which_setting_is_missing(
    tmp_path: Path, harness: JiraHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_JIRA__ACME__WEBHOOK_SECRET", WEBHOOK_SECRET)
    code, out = syncd(harness.settings_file(tmp_path), "webhooks", "install")
    assert code != 0
    assert "service.webhooks.public_url" in out
    assert harness.site.app.webhooks.hooks() == []
