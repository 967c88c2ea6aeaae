"""syncd sync against the Linear emulator, over real HTTP with the real ``gql`` client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from gql import gql
from graphql import GraphQLError
from typer.testing import CliRunner

from syncd.cli import app
from syncd.connectors.linear import LinearConnector
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import load_settings
from syncd.strategy import load_strategy
from tests.integration.contract import ConnectorContract, run_sync
from tests.integration.harness import LinearHarness


@pytest.fixture
def harness() -> Iterator[LinearHarness]:
    with LinearHarness() as started:
        yield started


class TestLinear(ConnectorContract):
    pass


def groups(harness: LinearHarness) -> list[str]:
    return sorted(label.name for label in harness.workspace.store.labels.values() if label.is_group)


def test_label_groups_are_created_once(tmp_path: Path, harness: LinearHarness) -> None:
    run_sync(tmp_path, harness)
    assert groups(harness) == ["Area", "Objective", "Value"]
    created = harness.log.count("issueLabelCreate")
    assert created == 2 + 4 + 1 + 2, "two groups, four objectives, the unaligned label, two values"
    harness.workspace.update_issue("ENG-4", title="Wiki for enterprise customers")
    run_sync(tmp_path, harness)
    elsewhere = tmp_path / "other-state"
    elsewhere.mkdir()
    run_sync(elsewhere, harness)
    assert harness.log.count("issueLabelCreate") == created, "existing labels are found, not created again"
    assert groups(harness) == ["Area", "Objective", "Value"]


def test_one_label_per_group_is_swapped_in_one_delta(tmp_path: Path, harness: LinearHarness) -> None:
    run_sync(tmp_path, harness)
    assert harness.labels()["ENG-4"] == {"alignment:none", "Frontend"}
    harness.workspace.update_issue("ENG-4", title="SSO for the wiki")
    harness.log.clear()
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert harness.labels()["ENG-4"] == {"objective:enterprise-readiness", "Frontend"}
    assert harness.writes() == 1
    assert all(record.status == 200 for record in harness.log.records())


def test_same_changes_are_batched(tmp_path: Path, harness: LinearHarness) -> None:
    for n in range(60):
        harness.workspace.add_issue("INF", f"Alert rule {n}")
    run_sync(tmp_path, harness)
    sizes = sorted(
        len(json.loads(record.body)["variables"]["ids"])
        for record in harness.log.records()
        if record.endpoint == "issueBatchUpdate"
    )
    assert sizes[-2:] == [11, 50], "60 alert rules and INF-... share one delta: 50 per batch"
    assert sum(sizes) + harness.log.count("issueUpdate") == 70
    assert harness.labels()["INF-40"] == {"objective:reliability"}


def test_missing_api_key_exits_3_naming_the_workspace(tmp_path: Path, harness: LinearHarness) -> None:
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text().replace(f'api_key = "{harness.api_key}"', 'api_key = ""'))
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 3
    assert "linear.acme" in result.stderr
    assert "authentication failed" in result.stderr


def test_an_invalid_field_fails_before_any_request(tmp_path: Path, harness: LinearHarness) -> None:
    settings = load_settings(harness.settings_file(tmp_path))
    connector = LinearConnector(
        "linear.acme",
        settings.linear["acme"],
        load_strategy(settings.strategy).labels,
        policy=RetryPolicy(),
        stats=CallStats(),
    )
    with pytest.raises(GraphQLError, match="Cannot query field 'storyPoints'"):
        connector._execute("bad query", gql("query { issues { nodes { storyPoints } } }"), {})
    assert harness.log.records() == [], "refused by the client, before any request"
    connector.close()


def test_configured_values_travel_as_variables_not_query_text(tmp_path: Path, harness: LinearHarness) -> None:
    run_sync(tmp_path, harness)
    [pull] = [json.loads(r.body) for r in harness.log.records() if r.endpoint == "issues"]
    assert pull["variables"]["filter"]["team"] == {"key": {"in": ["ENG", "GRO", "INF"]}}
    assert "GRO" not in pull["query"], "team keys are never spliced into the document"
