"""The Linear emulator over real HTTP through the real ``gql`` client: auth, reads, pagination, filters.

The workspace builder and the request helpers here are shared by the other ``test_linear_*`` modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from gql import GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from graphql import GraphQLError, GraphQLSchema

from syncd.sandbox.linear import Clock, Issue, Label, LinearEmulator, LinearWorkspace, RateLimits, Team
from syncd.schemas import linear_schema

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Org:
    """A small workspace on a frozen clock: two teams, label groups, a project with an initiative."""

    ws: LinearWorkspace
    key: str
    read_key: str
    oauth: str
    eng: Team
    gro: Team
    area: Label
    frontend: Label
    backend: Label
    bug: Label
    eng_only: Label
    issues: list[Issue] = field(default_factory=list)


def build_org(issues: int = 6) -> Org:
    ws = LinearWorkspace(clock=Clock(T0))
    bot = ws.add_user("Sync Bot")
    person = ws.add_user("Ada Lovelace")
    key = ws.add_api_key(user=bot)
    read_key = ws.add_api_key(user=person, can_write=False)
    oauth = ws.add_api_key(user=bot, oauth=True)
    eng, gro = ws.add_team("ENG", "Engineering", cycles=True), ws.add_team("GRO", "Growth")
    area = ws.add_label_group("Area")
    frontend = ws.add_label("Frontend", group=area)
    backend = ws.add_label("Backend", group=area)
    bug = ws.add_label("bug")
    eng_only = ws.add_label("flaky", team=eng)
    initiative = ws.add_initiative("Self-serve")
    project = ws.add_project("Checkout revamp", teams=[gro], initiatives=[initiative])
    org = Org(ws, key, read_key, oauth, eng, gro, area, frontend, backend, bug, eng_only)
    for n in range(issues):
        team = eng if n % 2 == 0 else gro
        org.issues.append(
            ws.add_issue(
                team,
                f"Issue {n}",
                created_at=T0 - timedelta(hours=issues - n),
                project=project if team is gro else None,
                estimate=float(n),
            )
        )
    return org


@pytest.fixture(scope="session")
def schema() -> GraphQLSchema:
    """Linear's schema, built once for the whole session."""
    return linear_schema()


@pytest.fixture
def org(schema: GraphQLSchema) -> Org:
    return build_org()


@pytest.fixture(scope="module")
def served(schema: GraphQLSchema) -> Iterator[LinearEmulator]:
    """One running emulator per module; each test gives it a fresh workspace."""
    with LinearEmulator() as emulator:
        yield emulator


@pytest.fixture
def linear(served: LinearEmulator, org: Org) -> LinearEmulator:
    return use(served, org)


def use(served: LinearEmulator, org: Org) -> LinearEmulator:
    """The running emulator, now serving ``org`` with budgets no test reaches by accident."""
    served.reset(org.ws, limits=RateLimits(requests=100_000, complexity=10**9))
    return served


def call(emulator: LinearEmulator, token: str, query: str, **variables: Any) -> dict[str, Any]:
    """Run one operation through ``gql`` with client-side validation, as syncd's connector does."""
    request = GraphQLRequest(gql(query), variable_values=variables or None)
    result: dict[str, Any] = emulator.client(token).execute(request)
    return result


def post(emulator: LinearEmulator, token: str | None, query: str, **variables: Any) -> requests.Response:
    """Send a raw request, to look at Linear's exact answer shapes."""
    headers = {"Authorization": token} if token is not None else {}
    body = {"query": query, "variables": variables}
    return requests.post(emulator.graphql_url, json=body, headers=headers, timeout=10)


def error_of(raised: pytest.ExceptionInfo[TransportQueryError]) -> dict[str, Any]:
    errors = raised.value.errors
    assert errors
    first: dict[str, Any] = errors[0]
    return first


ISSUE_FIELDS = """
  id identifier url title description priority priorityLabel estimate
  state { type name } team { id key name }
  project { id name initiatives { nodes { id name } } }
  parent { id identifier } labels { nodes { id name parent { id name } } }
  cycle { id number } createdAt updatedAt completedAt canceledAt archivedAt
"""


# -- auth and validation ----------------------------------------------------------------------------


def test_viewer_and_organization_with_rate_limit_headers(linear: LinearEmulator, org: Org) -> None:
    response = post(linear, org.key, "{ viewer { name isMe } organization { name urlKey } }")
    assert response.status_code == 200
    assert response.json()["data"] == {
        "viewer": {"name": "Sync Bot", "isMe": True},
        "organization": {"name": "Acme", "urlKey": "acme"},
    }
    for header in ("Requests", "Complexity"):
        for part in ("Limit", "Remaining", "Reset"):
            assert int(response.headers[f"X-RateLimit-{header}-{part}"]) >= 0
    assert response.headers["X-Complexity"] == "3"  # two objects of two properties: 2.4


def test_enum_like_strings_hold_real_values_never_empty(linear: LinearEmulator, org: Org) -> None:
    """Linear's SDK and other clients switch on these strings; "" is none of the values Linear documents."""
    query = "{ organization { pullRequestIssueMode } teams { nodes { timezone issueEstimationType } } }"
    data = post(linear, org.key, query).json()["data"]
    assert data["organization"]["pullRequestIssueMode"] in {"off", "suggest", "autoOnMerge"}
    for team in data["teams"]["nodes"]:
        assert team["timezone"] == "America/Los_Angeles"
        assert team["issueEstimationType"] in {"notUsed", "exponential", "fibonacci", "linear", "tShirt"}


def test_a_query_with_an_unknown_field_fails_in_gql_before_any_request(linear: LinearEmulator, org: Org) -> None:
    with pytest.raises(GraphQLError, match="Cannot query field 'nope'"):
        call(linear, org.key, "{ viewer { nope } }")
    assert linear.log.count() == 0


def test_the_server_answers_an_invalid_document_with_400(linear: LinearEmulator, org: Org) -> None:
    response = post(linear, org.key, "{ viewer { nope } }")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["type"] == "graphql error"
    assert error["locations"]


@pytest.mark.parametrize(
    "header",
    [None, "", "lin_api_unknown", "Bearer {key}", "{oauth}"],
    ids=["missing", "empty", "unknown", "api-key-as-bearer", "oauth-token-bare"],
)
def test_bad_credentials_get_linears_authentication_error(linear: LinearEmulator, org: Org, header: str | None) -> None:
    token = header.format(key=org.key, oauth=org.oauth) if header is not None else None
    response = post(linear, token, "{ viewer { id } }")
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["message"] == "Authentication required, not authenticated"
    assert error["extensions"]["code"] == "AUTHENTICATION_ERROR"
    assert error["extensions"]["type"] == "authentication error"


def test_an_oauth_token_is_sent_as_bearer(linear: LinearEmulator, org: Org) -> None:
    result = linear.client(org.oauth, bearer=True).execute(gql("{ viewer { name } }"))
    assert result == {"viewer": {"name": "Sync Bot"}}


def test_an_unimplemented_root_field_is_an_explicit_error(linear: LinearEmulator, org: Org) -> None:
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, "{ documents { nodes { id } } }")
    assert "not supported by the Linear emulator" in error_of(raised)["message"]


# -- issues -----------------------------------------------------------------------------------------


def test_an_issue_by_id_or_identifier_with_every_field_syncd_reads(linear: LinearEmulator, org: Org) -> None:
    ws = org.ws
    parent = org.issues[1]
    cycle = ws.add_cycle(org.gro, starts_at=T0 - timedelta(days=1), ends_at=T0 + timedelta(days=6))
    child = ws.add_issue(
        org.gro,
        "Child",
        description="Details",
        state="Done",
        priority=2,
        estimate=3,
        labels=[org.frontend, org.bug],
        parent=parent,
        cycle=cycle,
        project=parent.project_id,
    )
    by_identifier = call(linear, org.key, f"query($id: String!) {{ issue(id: $id) {{ {ISSUE_FIELDS} }} }}", id="GRO-4")
    by_id = call(linear, org.key, f"query($id: String!) {{ issue(id: $id) {{ {ISSUE_FIELDS} }} }}", id=child.id)
    issue = by_identifier["issue"]
    assert issue == by_id["issue"]
    assert issue["identifier"] == "GRO-4"
    assert issue["url"].startswith("https://linear.app/acme/issue/GRO-4/")
    assert (issue["priority"], issue["priorityLabel"], issue["estimate"]) == (2, "High", 3)
    assert issue["state"] == {"type": "completed", "name": "Done"}
    assert issue["team"]["key"] == "GRO"
    assert issue["project"]["name"] == "Checkout revamp"
    assert issue["project"]["initiatives"]["nodes"][0]["name"] == "Self-serve"
    assert issue["parent"] == {"id": parent.id, "identifier": parent.identifier}
    names = {(n["name"], (n["parent"] or {}).get("name")) for n in issue["labels"]["nodes"]}
    assert names == {("Frontend", "Area"), ("bug", None)}
    assert issue["cycle"]["number"] == 1
    assert issue["createdAt"] == "2026-11-02T09:00:00.000Z"
    assert issue["completedAt"] == issue["createdAt"]
    assert issue["canceledAt"] is None
    assert issue["archivedAt"] is None


def test_an_unknown_issue_is_linears_entity_not_found(linear: LinearEmulator, org: Org) -> None:
    response = post(linear, org.key, '{ issue(id: "ENG-999") { id } }')
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Entity not found: Issue"
    assert error["path"] == ["issue"]
    assert error["extensions"] == {
        "type": "invalid input",
        "code": "INPUT_ERROR",
        "statusCode": 400,
        "userError": True,
        "userPresentableMessage": "Could not find referenced Issue.",
    }


def test_fields_nobody_set_still_answer_with_values(linear: LinearEmulator, org: Org) -> None:
    query = """query($id: String!) { issue(id: $id) {
        branchName customerTicketCount reactionData boardOrder sortOrder labelIds previousIdentifiers
        sharedAccess { isShared } subscribers { nodes { id } } history { nodes { id } }
        team { timezone cycleCalenderUrl issueEstimationType currentProgress }
    } }"""
    issue = call(linear, org.key, query, id=org.issues[0].id)["issue"]
    assert issue["branchName"].startswith("eng-1-")
    assert issue["customerTicketCount"] == 0
    assert issue["reactionData"] == {}
    assert issue["subscribers"] == {"nodes": []}
    assert issue["sharedAccess"] == {"isShared": False}
    assert issue["team"]["timezone"] == "America/Los_Angeles", 'an enum-like string is never ""'


def test_pages_walk_every_issue_newest_first(served: LinearEmulator) -> None:
    org = build_org(issues=120)
    query = """query($after: String) { issues(first: 50, after: $after) {
        nodes { identifier createdAt } pageInfo { hasNextPage endCursor hasPreviousPage } } }"""
    linear = use(served, org)
    seen: list[str] = []
    stamps: list[str] = []
    after = None
    pages = []
    while True:
        page = call(linear, org.key, query, after=after)["issues"]
        pages.append(len(page["nodes"]))
        seen += [n["identifier"] for n in page["nodes"]]
        stamps += [n["createdAt"] for n in page["nodes"]]
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [50, 50, 20]
    assert len(set(seen)) == 120
    assert stamps == sorted(stamps, reverse=True)


def test_last_and_before_page_backwards(linear: LinearEmulator, org: Org) -> None:
    query = """query($before: String) { issues(last: 2, before: $before) {
        edges { cursor node { title } } pageInfo { hasPreviousPage startCursor } } }"""
    oldest = call(linear, org.key, query)["issues"]
    assert [e["node"]["title"] for e in oldest["edges"]] == ["Issue 1", "Issue 0"]
    assert oldest["pageInfo"]["hasPreviousPage"] is True
    newer = call(linear, org.key, query, before=oldest["pageInfo"]["startCursor"])["issues"]
    assert [e["node"]["title"] for e in newer["edges"]] == ["Issue 3", "Issue 2"]


def test_pages_default_to_fifty_and_stop_at_two_hundred_fifty(served: LinearEmulator) -> None:
    org = build_org(issues=60)
    linear = use(served, org)
    assert len(call(linear, org.key, "{ issues { nodes { id } } }")["issues"]["nodes"]) == 50
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, "{ issues(first: 251) { nodes { id } } }")
    assert error_of(raised)["extensions"]["code"] == "INPUT_ERROR"


def test_updated_at_filter_and_order_find_the_recent_edits(linear: LinearEmulator, org: Org) -> None:
    since = linear.clock.now()
    linear.clock.advance(60)
    org.ws.edit_labels(org.issues[0], add=[org.bug])
    linear.clock.advance(60)
    org.ws.update_issue(org.issues[3], title="Renamed")
    query = """query($since: DateTimeOrDuration) {
        issues(orderBy: updatedAt, filter: {updatedAt: {gt: $since}}) { nodes { title updatedAt } } }"""
    nodes = call(linear, org.key, query, since=since.isoformat())["issues"]["nodes"]
    assert [n["title"] for n in nodes] == ["Renamed", "Issue 0"]
    assert nodes[0]["updatedAt"] == "2026-11-02T09:02:00.000Z"
    relative = call(linear, org.key, query, since="-PT30S")["issues"]["nodes"]
    assert [n["title"] for n in relative] == ["Renamed"]


def test_an_edit_while_paging_by_updated_at_never_skips_another_issue(served: LinearEmulator) -> None:
    org = build_org(issues=100)
    query = """query($after: String) { issues(first: 30, after: $after, orderBy: updatedAt) {
        nodes { id } pageInfo { hasNextPage endCursor } } }"""
    linear = use(served, org)
    first = call(linear, org.key, query)["issues"]
    edited = {first["nodes"][0]["id"], org.issues[10].id}
    for issue_id in edited:
        linear.clock.advance(1)
        org.ws.update_issue(issue_id, title="Edited while paging")
    seen = [n["id"] for n in first["nodes"]]
    page = first
    while page["pageInfo"]["hasNextPage"]:
        page = call(linear, org.key, query, after=page["pageInfo"]["endCursor"])["issues"]
        seen += [n["id"] for n in page["nodes"]]
    untouched = {i.id for i in org.issues} - edited
    assert untouched <= set(seen)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("issue_filter", "expected"),
    [
        ({"team": {"key": {"eq": "ENG"}}}, {"Issue 0", "Issue 2", "Issue 4"}),
        ({"team": {"key": {"in": ["GRO"]}}}, {"Issue 1", "Issue 3", "Issue 5"}),
        ({"project": {"name": {"eq": "Checkout revamp"}}}, {"Issue 1", "Issue 3", "Issue 5"}),
        ({"project": {"null": True}}, {"Issue 0", "Issue 2", "Issue 4"}),
        ({"labels": {"name": {"eq": "bug"}}}, {"Issue 2"}),
        ({"labels": {"some": {"parent": {"name": {"eq": "Area"}}}}}, {"Issue 4"}),
        ({"estimate": {"gte": 4}}, {"Issue 4", "Issue 5"}),
        ({"state": {"type": {"in": ["completed", "canceled"]}}}, {"Issue 3"}),
        ({"title": {"containsIgnoreCase": "ISSUE 1"}}, {"Issue 1"}),
        ({"or": [{"estimate": {"eq": 0}}, {"estimate": {"eq": 5}}]}, {"Issue 0", "Issue 5"}),
    ],
)
def test_issue_filters(linear: LinearEmulator, org: Org, issue_filter: dict[str, Any], expected: set[str]) -> None:
    org.ws.edit_labels(org.issues[2], add=[org.bug])
    org.ws.edit_labels(org.issues[4], add=[org.backend])
    org.ws.update_issue(org.issues[3], state="completed")
    query = "query($f: IssueFilter) { issues(filter: $f) { nodes { title } } }"
    nodes = call(linear, org.key, query, f=issue_filter)["issues"]["nodes"]
    assert {n["title"] for n in nodes} == expected


def test_team_filter_by_id_uses_the_team_and_nested_connections_agree(linear: LinearEmulator, org: Org) -> None:
    query = """query($team: ID, $key: String!) {
        issues(filter: {team: {id: {eq: $team}}}) { nodes { identifier } }
        team(id: $key) { issues { nodes { identifier } } issueCount } }"""
    result = call(linear, org.key, query, team=org.eng.id, key="ENG")
    assert {n["identifier"] for n in result["issues"]["nodes"]} == {"ENG-1", "ENG-2", "ENG-3"}
    assert result["team"]["issues"] == result["issues"]
    assert result["team"]["issueCount"] == 3


def test_an_unimplemented_filter_field_is_an_error_not_ignored(linear: LinearEmulator, org: Org) -> None:
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, "{ issues(filter: {slaStatus: {eq: Breached}}) { nodes { id } } }")
    assert "slaStatus" in error_of(raised)["message"]


def test_archived_issues_need_include_archived_and_deleted_ones_are_gone(linear: LinearEmulator, org: Org) -> None:
    org.ws.archive_issue(org.issues[0])
    org.ws.delete_issue(org.issues[1])
    query = "query($all: Boolean) { issues(includeArchived: $all) { nodes { title archivedAt } } }"
    visible = {n["title"] for n in call(linear, org.key, query)["issues"]["nodes"]}
    everything = call(linear, org.key, query, all=True)["issues"]["nodes"]
    assert not {"Issue 0", "Issue 1"} & visible
    assert {n["title"] for n in everything} == visible | {"Issue 0"}
    assert next(n for n in everything if n["title"] == "Issue 0")["archivedAt"] == "2026-11-02T09:00:00.000Z"


def test_a_moved_issue_answers_to_its_old_identifier(linear: LinearEmulator, org: Org) -> None:
    org.ws.edit_labels(org.issues[0], add=[org.eng_only, org.bug])
    moved = org.ws.move_issue(org.issues[0], org.gro)
    query = '{ issue(id: "ENG-1") { identifier previousIdentifiers team { key } labels { nodes { name } } } }'
    issue = call(linear, org.key, query)["issue"]
    assert issue["identifier"] == moved.identifier == "GRO-4"
    assert issue["previousIdentifiers"] == ["ENG-1"]
    assert issue["team"]["key"] == "GRO"
    assert [n["name"] for n in issue["labels"]["nodes"]] == ["bug"]


# -- labels, projects, initiatives, cycles, states ----------------------------------------------------


def test_issue_labels_show_groups_children_and_scope(linear: LinearEmulator, org: Org) -> None:
    query = """{ issueLabels(first: 100) { nodes {
        name isGroup team { key } parent { name } children { nodes { name } } } } }"""
    labels = {n["name"]: n for n in call(linear, org.key, query)["issueLabels"]["nodes"]}
    assert labels["Area"]["isGroup"] is True
    assert {c["name"] for c in labels["Area"]["children"]["nodes"]} == {"Frontend", "Backend"}
    assert labels["Frontend"]["parent"] == {"name": "Area"}
    assert labels["flaky"]["team"] == {"key": "ENG"}
    assert labels["bug"]["team"] is None
    groups = call(linear, org.key, "{ issueLabels(filter: {isGroup: {eq: true}}) { nodes { name } } }")
    assert groups["issueLabels"]["nodes"] == [{"name": "Area"}]
    team_labels = call(linear, org.key, '{ team(id: "ENG") { labels { nodes { name } } } }')
    assert team_labels["team"]["labels"]["nodes"] == [{"name": "flaky"}]


def test_projects_initiatives_cycles_and_states(linear: LinearEmulator, org: Org) -> None:
    org.ws.add_cycle(org.eng, starts_at=T0 - timedelta(days=3), ends_at=T0 + timedelta(days=4), name="Sprint")
    query = """{
      projects(first: 5) {
        nodes { name teams { nodes { key } } initiatives { nodes { name } } issues { nodes { title } } }
      }
      initiatives(first: 5) { nodes { name projects(first: 5) { nodes { name } } } }
      cycles { nodes { name number isActive team { key } } }
      workflowStates(filter: {team: {key: {eq: "ENG"}}}) { nodes { name type } }
    }"""
    result = call(linear, org.key, query)
    project = result["projects"]["nodes"][0]
    assert project["teams"]["nodes"] == [{"key": "GRO"}]
    assert project["initiatives"]["nodes"] == [{"name": "Self-serve"}]
    assert len(project["issues"]["nodes"]) == 3
    assert result["initiatives"]["nodes"] == [
        {"name": "Self-serve", "projects": {"nodes": [{"name": "Checkout revamp"}]}}
    ]
    assert result["cycles"]["nodes"] == [{"name": "Sprint", "number": 1, "isActive": True, "team": {"key": "ENG"}}]
    types = {n["type"] for n in result["workflowStates"]["nodes"]}
    assert types == {"backlog", "unstarted", "started", "completed", "canceled"}
