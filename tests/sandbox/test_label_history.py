"""The emulators keep every change of an issue's labels, by whom and when, and serve it in the real shapes:
Jira Cloud's paged changelog, Data Center's ``expand=changelog``, Linear's ``Issue.history``. Jira's
exchanges are validated against Atlassian's description as the site stops."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.linear import LinearEmulator

from .jira_support import api_session, backlog, serving
from .test_linear_emulator import Org, build_org, call, use


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    with serving(str(request.param)) as started:
        backlog(started)
        yield started


def jira_histories(site: JiraEmulator, key: str, **params: int) -> list[dict]:
    session = api_session(site)
    if site.deployment.value == "cloud":
        page = session.get(f"{site.url}/rest/api/3/issue/{key}/changelog", params=params, timeout=10).json()
        return list(page["values"])
    issue = session.get(f"{site.url}/rest/api/2/issue/{key}", params={"expand": "changelog"}, timeout=10).json()
    return list(issue["changelog"]["histories"])


def test_jira_keeps_each_label_change_with_its_author(site: JiraEmulator) -> None:
    store = site.store
    key = "GROW-2"
    site.clock.advance(timedelta(minutes=1))
    session = api_session(site)
    version = 3 if site.deployment.value == "cloud" else 2
    body = {"update": {"labels": [{"add": "objective:growth"}]}}
    assert session.put(f"{site.url}/rest/api/{version}/issue/{key}", json=body, timeout=10).status_code == 204
    site.clock.advance(timedelta(minutes=1))
    store.edit_labels(key, remove=["objective:growth"], add=["objective:reliability"])
    first, second = jira_histories(site, key)
    author = "accountId" if site.deployment.value == "cloud" else "name"
    assert first["author"][author] == (store.default_user.account_id if author == "accountId" else "syncd")
    assert first["items"][0]["field"] == "labels"
    assert set(first["items"][0]["toString"].split()) - set(first["items"][0]["fromString"].split()) == {
        "objective:growth"
    }
    person = store.person.account_id if author == "accountId" else store.person.username
    assert second["author"][author] == person
    assert set(second["items"][0]["fromString"].split()) - set(second["items"][0]["toString"].split()) == {
        "objective:growth"
    }
    assert first["created"] < second["created"]


def test_jira_cloud_pages_the_changelog_oldest_first() -> None:
    with serving("cloud") as site:
        backlog(site)
        for n in range(3):
            site.store.edit_labels("GROW-2", add=[f"label-{n}"])
        session = api_session(site)
        url = f"{site.url}/rest/api/3/issue/GROW-2/changelog"
        page = session.get(url, params={"startAt": 1, "maxResults": 1}, timeout=10).json()
        assert (page["startAt"], page["maxResults"], page["total"], page["isLast"]) == (1, 1, 3, False)
        assert page["values"][0]["items"][0]["toString"].endswith("label-1")
        assert session.get(f"{site.url}/rest/api/2/issue/GROW-2/changelog", timeout=10).status_code == 200


def test_data_center_has_no_changelog_resource() -> None:
    with serving("datacenter") as site:
        backlog(site)
        response = api_session(site).get(f"{site.url}/rest/api/2/issue/GROW-2/changelog", timeout=10)
        assert response.status_code == 404


HISTORY = """query($id: String!) { issue(id: $id) { history(first: 50) { nodes {
  createdAt actor { id } botActor { id } addedLabelIds removedLabelIds
  addedLabels { name parent { name } } removedLabels { name } } } } }"""
BATCH = (
    """mutation($ids: [UUID!]!, $input: IssueUpdateInput!) { issueBatchUpdate(ids: $ids, input: $input) { success } }"""
)


@pytest.fixture(scope="module")
def served() -> Iterator[LinearEmulator]:
    with LinearEmulator() as emulator:
        yield emulator


def test_linear_keeps_each_label_change_with_its_actor(served: LinearEmulator) -> None:
    org: Org = build_org()
    linear = use(served, org)
    issue = org.issues[0]
    call(linear, org.key, BATCH, ids=[issue.id], input={"addedLabelIds": [org.frontend.id]})
    org.ws.clock.advance(timedelta(minutes=1))
    org.ws.edit_labels(issue, add=[org.backend])
    newest_first = call(linear, org.key, HISTORY, id=issue.identifier)["issue"]["history"]["nodes"]
    nodes = newest_first[::-1]
    bot = org.ws.store.api_keys[org.key].user_id
    assert [node["actor"]["id"] for node in nodes] == [bot, org.ws.person().id]
    assert nodes[0]["addedLabelIds"] == [org.frontend.id]
    assert nodes[0]["addedLabels"] == [{"name": "Frontend", "parent": {"name": "Area"}}]
    assert nodes[1]["removedLabels"] == [{"name": "Frontend"}], "a person's pick replaced the group's label"
    assert nodes[0]["createdAt"] < nodes[1]["createdAt"], "newest first, as Linear lists a connection"
    assert nodes[0]["botActor"] is None
