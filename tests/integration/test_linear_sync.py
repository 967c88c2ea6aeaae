"""syncd sync against the Linear emulator, over real HTTP with the real ``gql`` client."""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gql import gql
from graphql import GraphQLError
from pydantic import SecretStr
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.connectors.linear import LinearConnector
from syncd.errors import LeaseLost
from syncd.model import LabelOp, WorkItem
from syncd.retry import CallStats, RetryPolicy
from syncd.sandbox.server import RequestRecord
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from tests.integration.contract import ConnectorContract, run_sync
from tests.integration.harness import LinearHarness


@pytest.fixture
def harness() -> Iterator[LinearHarness]:
    with LinearHarness() as started:
        yield started


class TestLinear(ConnectorContract):
    pass


class TestLinearOnPostgres(ConnectorContract):
    """The same promises with the state in PostgreSQL."""

    @pytest.fixture
    def harness(self, postgres_url: SecretStr) -> Iterator[LinearHarness]:
        with LinearHarness() as started:
            started.on_postgres(postgres_url)
            yield started


def groups(harness: LinearHarness) -> list[str]:
    return sorted(label.name for label in harness.workspace.store.labels.values() if label.is_group)


def errors_of(record: RequestRecord) -> list[dict[str, object]]:
    """The GraphQL errors a response carried: Linear answers most of them with HTTP 200."""
    errors: list[dict[str, object]] = json.loads(record.response).get("errors") or []
    return errors


def when(condition: Callable[[], bool], action: Callable[[], None]) -> threading.Thread:
    """Do what a person does as soon as ``condition`` holds, while syncd runs."""

    def watch() -> None:
        deadline = time.monotonic() + 20
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.002)
        action()

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


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
    assert [errors_of(record) for record in harness.log.records()] == [[]] * len(harness.log.records())


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


@pytest.mark.parametrize("key_line", ["", 'api_key = ""'], ids=["missing", "empty"])
def test_a_missing_or_empty_api_key_exits_3_naming_the_workspace(
    tmp_path: Path, harness: LinearHarness, key_line: str
) -> None:
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text().replace(f'api_key = "{harness.api_key}"', key_line))
    assert ("api_key" in config.read_text()) == bool(key_line)
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 3, result.stderr
    assert "linear.acme" in result.stderr
    assert "authentication failed: no API key is set" in result.stderr
    assert harness.log.records() == [], "no request goes out without credentials"


def test_a_deleted_report_comment_is_posted_again_once(tmp_path: Path, harness: LinearHarness) -> None:
    run_sync(tmp_path, harness)
    [first] = harness.workspace.comments(harness.report_issue)
    harness.workspace.delete_comment(first.id)
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])
    harness.log.clear()
    outcome = run_sync(tmp_path, harness)
    assert outcome.report is not None
    assert outcome.report.posted, outcome.report.error
    assert outcome.report.error is None
    [second] = harness.workspace.comments(harness.report_issue)
    assert second.id != first.id
    assert "syncd:drift:report" in second.body
    assert harness.log.count("commentUpdate") == 1, "the stored comment is tried first"
    assert harness.log.count("commentCreate") == 1
    with StateStore.open(tmp_path / "state.db") as store:
        stored = store.comments.get(harness.tracker, harness.report_issue, "*")
        assert stored is not None
        assert stored.comment_id == second.id
        assert store.outbox.pending() == []


def test_labels_past_the_first_ten_are_read_and_a_pin_there_holds_its_group(
    tmp_path: Path, harness: LinearHarness
) -> None:
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])
    harness.workspace.clock.advance(1)
    tags = [f"tag-{n:02}" for n in range(11)]
    for tag in tags:
        harness.workspace.add_label(tag)
    harness.workspace.edit_labels(key, add=tags)
    assert len(harness.workspace.issue_labels(key)) == 13, "Linear lists labels newest first: the pin is 12th"
    outcome = run_sync(tmp_path, harness)
    pulls = [json.loads(r.response) for r in harness.log.records() if r.endpoint == "issues"]
    [page] = [node["labels"] for pull in pulls for node in pull["data"]["issues"]["nodes"] if node["identifier"] == key]
    assert page["pageInfo"]["hasNextPage"]
    assert "enterprise-readiness" not in {label["name"] for label in page["nodes"]}, "the pin is past the page"
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert harness.labels()[key] == {"incident", pin, *tags}, "the pin wins; no second objective label"
    assert harness.writes_per_issue()[key] == 0
    assert all(errors_of(record) == [] for record in harness.log.records()), "Linear refused nothing"
    label_pages = [r for r in harness.log.records() if "SyncdIssueLabels" in json.loads(r.body)["query"]]
    assert len(label_pages) == 1, "one more page of labels, for the one issue that needs it"
    with StateStore.open(tmp_path / "state.db") as store:
        stored = store.items.get(harness.tracker, key)
        assert stored is not None
        assert stored.item.labels == {"incident", pin, *tags}


def test_a_label_a_person_picks_between_read_and_write_wins(tmp_path: Path, harness: LinearHarness) -> None:
    run_sync(tmp_path, harness)
    harness.workspace.update_issue("ENG-4", title="SSO for the wiki")
    harness.faults.latency = 0.05
    harness.faults.paths = harness.write_paths
    harness.log.clear()
    thread = when(
        lambda: harness.log.count("issues") > 0,
        lambda: harness.person_labels("ENG-4", add=["objective:reliability"]),
    )
    outcome = run_sync(tmp_path, harness)
    thread.join()
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    assert outcome.result.failed == 0
    assert harness.labels()["ENG-4"] == {"objective:reliability", "Frontend"}, "the person's pick stays"
    refused = [
        record
        for record in harness.log.records()
        if any(re.search("Only one label in a group", json.dumps(error)) for error in errors_of(record))
    ]
    assert [record.endpoint for record in refused] == ["issueUpdate"], "the pick landed after syncd's read"
    with StateStore.open(tmp_path / "state.db") as store:
        assert store.outbox.pending() == []
    harness.faults.latency = 0
    harness.log.clear()
    again = run_sync(tmp_path, harness)
    assert again.result is not None
    assert again.result.changed == 0
    assert harness.writes() == 0
    assert harness.labels()["ENG-4"] == {"objective:reliability", "Frontend"}


def open_linear(tmp_path: Path, harness: LinearHarness) -> LinearConnector:
    """The connector for the harness's workspace, opened directly rather than through a sync."""
    settings = load_settings(harness.settings_file(tmp_path))
    labels = load_strategy(settings.strategy).labels
    return LinearConnector("linear.acme", settings.linear["acme"], labels, policy=RetryPolicy(), stats=CallStats())


def test_an_invalid_field_fails_before_any_request(tmp_path: Path, harness: LinearHarness) -> None:
    connector = open_linear(tmp_path, harness)
    with pytest.raises(GraphQLError, match="Cannot query field 'storyPoints'"):
        connector._execute("bad query", gql("query { issues { nodes { storyPoints } } }"), {})
    assert harness.log.records() == [], "refused by the client, before any request"
    connector.close()


def test_issues_are_read_again_by_identifier_and_a_gone_one_yields_nothing(
    tmp_path: Path, harness: LinearHarness
) -> None:
    connector = open_linear(tmp_path, harness)
    try:
        items = list(connector.refetch(["ENG-2", "ENG-999"]))
    finally:
        connector.close()
    [item] = items
    assert isinstance(item, WorkItem)
    assert item.key == "ENG-2"
    assert item.project == "ENG"
    asked = [json.loads(r.body)["variables"] for r in harness.log.records() if r.endpoint == "issue"]
    assert asked == [{"id": "ENG-2"}, {"id": "ENG-999"}]


def test_a_refusing_fence_stops_the_batches_not_yet_sent(tmp_path: Path, harness: LinearHarness) -> None:
    """Each batch update is fenced: once this replica may no longer write, no further batch goes out."""
    connector = open_linear(tmp_path, harness)
    asked: list[int] = []

    def fence() -> float:
        asked.append(1)
        if len(asked) > 1:
            raise LeaseLost("this replica's lease on linear.acme was taken over")
        return math.inf

    try:
        items = {
            item.key: item for item in connector.refetch(["ENG-1", "ENG-2", "ENG-3"]) if isinstance(item, WorkItem)
        }
        ops = [LabelOp("linear.acme", items[k].id, k, frozenset({"objective:reliability"})) for k in ("ENG-1", "ENG-2")]
        ops.append(LabelOp("linear.acme", items["ENG-3"].id, "ENG-3", frozenset({"objective:enterprise-readiness"})))
        harness.log.clear()
        with pytest.raises(LeaseLost):
            list(connector.apply(ops, fence=fence))
    finally:
        connector.close()
    assert len(asked) == 2
    assert harness.log.count("issueBatchUpdate") + harness.log.count("issueUpdate") == 1


def test_a_write_whose_lease_ran_out_before_it_left_is_not_sent(tmp_path: Path, harness: LinearHarness) -> None:
    """The moment the fence named passed before the request reached the socket: gql's wrapping of the
    refusal is taken off, so it is neither retried as a lost connection nor sent."""
    connector = open_linear(tmp_path, harness)
    try:
        [item] = [item for item in connector.refetch(["ENG-1"]) if isinstance(item, WorkItem)]
        op = LabelOp("linear.acme", item.id, "ENG-1", frozenset({"objective:reliability"}))
        harness.log.clear()
        with pytest.raises(LeaseLost, match="was not sent"):
            list(connector.apply([op], fence=time.monotonic))
    finally:
        connector.close()
    assert harness.log.count("issueBatchUpdate") + harness.log.count("issueUpdate") == 0
    assert "objective:reliability" not in harness.labels()["ENG-1"]


def test_a_teams_own_objective_label_is_used_for_its_issues(tmp_path: Path, harness: LinearHarness) -> None:
    workspace = harness.workspace
    group = workspace.add_label_group("Objective", team="ENG")
    own = workspace.add_label("enterprise-readiness", team="ENG", group=group)
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None
    assert outcome.result.status == "ok"
    [issue] = [i for i in workspace.store.issues.values() if i.identifier == "ENG-2"]
    assert own.id in issue.label_ids, "the team's label, not a workspace label of the same name"
    created = [
        json.loads(r.body)["variables"]["input"] for r in harness.log.records() if r.endpoint == "issueLabelCreate"
    ]
    assert not any(c["name"] == "enterprise-readiness" and c.get("teamId") for c in created)
    assert harness.labels()["ENG-2"] == {"objective:enterprise-readiness"}


def test_a_label_created_since_the_last_sync_is_read_with_its_group(tmp_path: Path, harness: LinearHarness) -> None:
    """Pages carry each label's id and name, not its group (that would cost a third more complexity); a
    label the saved directory does not know makes the sync read the directory once more."""
    run_sync(tmp_path, harness)
    workspace = harness.workspace
    workspace.clock.advance(1)
    moonshot = workspace.add_label("moonshot", group="Objective")
    workspace.edit_labels("INF-1", add=[moonshot.id])
    harness.log.clear()
    outcome = run_sync(tmp_path, harness)
    assert outcome.result is not None
    assert outcome.result.status == "ok", outcome.result.errors
    directory_reads = [r for r in harness.log.records() if "SyncdLabels" in json.loads(r.body)["query"]]
    assert len(directory_reads) == 1, "the label directory is read once, for the label it did not know"
    with StateStore.open(tmp_path / "state.db") as store:
        stored = store.items.get(harness.tracker, "INF-1")
        assert stored is not None
        assert "objective:moonshot" in stored.item.labels, "read in its group, as an objective's label"
        assert "moonshot" not in stored.item.labels
    harness.log.clear()
    workspace.clock.advance(1)
    workspace.update_issue("INF-1", title="SSO for the audit log")
    run_sync(tmp_path, harness)
    assert not any("SyncdLabels" in json.loads(r.body)["query"] for r in harness.log.records()), (
        "the next sync knows the label from the saved directory"
    )


def test_configured_values_travel_as_variables_not_query_text(tmp_path: Path, harness: LinearHarness) -> None:
    run_sync(tmp_path, harness)
    pulls = [json.loads(r.body) for r in harness.log.records() if r.endpoint == "issues"]
    teams = sorted(pull["variables"]["filter"]["team"]["key"]["eq"] for pull in pulls)
    assert teams == ["ENG", "GRO", "INF"], "a full pull reads each configured team in a query of its own"
    assert not any(key in pull["query"] for pull in pulls for key in teams), "never spliced into the document"
    harness.workspace.clock.advance(1)
    harness.workspace.update_issue("ENG-4", title="SSO for the wiki")
    harness.log.clear()
    run_sync(tmp_path, harness)
    [pull] = [json.loads(r.body) for r in harness.log.records() if r.endpoint == "issues"]
    assert pull["variables"]["filter"]["team"] == {"key": {"in": ["ENG", "GRO", "INF"]}}, "one query since"


@pytest.mark.parametrize("more_teams", [0, 260])
def test_without_configured_teams_a_full_pull_reads_each_visible_team_unless_there_are_pages_of_them(
    tmp_path: Path, harness: LinearHarness, more_teams: int
) -> None:
    """Side by side, a team a query; with more than one page of teams (250), one query over all issues."""
    seeded = len(harness.workspace.store.teams)
    for number in range(more_teams):
        harness.workspace.add_team(f"T{number:03d}")
    harness.tweak('teams = ["ENG", "GRO", "INF"]\n', "")
    outcome = run_sync(tmp_path, harness, report=False)
    assert outcome.result is not None, outcome.error
    pulls = [json.loads(r.body)["variables"]["filter"] for r in harness.log.records() if r.endpoint == "issues"]
    if more_teams:
        assert pulls == [{}], "one query over every issue the key can read"
    else:
        assert len(pulls) == seeded
        assert all("team" in pull for pull in pulls)
