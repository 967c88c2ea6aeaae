"""Secrets stay secret: not in the state file, not in what syncd prints, not in reports; TLS is verified."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.connectors.jira import JiraConnector
from syncd.connectors.linear import LinearConnector
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite, LinearWorkspace
from syncd.strategy import LabelScheme
from tests.conftest import TEST_SECRETS
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness


@pytest.fixture(params=["jira-cloud", "jira-datacenter", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    kind = request.param
    started: Harness = LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))
    with started:
        yield started


def test_no_secret_in_state_output_or_reports(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness)
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("state.db*"))
    outputs = [
        CliRunner().invoke(app, ["--config", str(config), *argv])
        for argv in (
            ["state", "show"],
            ["report", "--format", "json"],
            ["report", "--format", "html"],
            ["report", "--format", "md"],
            ["--log-level", "debug", "sync", "--dry-run"],
        )
    ]
    texts = [result.stdout + result.stderr for result in outputs]
    comments = harness.comments(harness.report_issue)
    for secret in TEST_SECRETS:
        assert secret.encode() not in stored
        for text in (*texts, *comments):
            assert secret not in text
    for path in tmp_path.glob("state.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_tls_is_verified_by_default() -> None:
    site = JiraSite(url="https://acme.atlassian.net", email="a@b.c", api_token="x")  # type: ignore[arg-type]
    assert site.verify_tls
    jira = JiraConnector("jira.a", site, LabelScheme(), policy=RetryPolicy(), stats=CallStats())
    assert jira._client._session.verify is True
    workspace = LinearWorkspace(api_key="k")  # type: ignore[arg-type]
    linear = LinearConnector("linear.a", workspace, LabelScheme(), policy=RetryPolicy(), stats=CallStats())
    assert linear._transport.verify is True
