"""Search on both deployments: paging, page caps, JQL refusals, time zones, results under edits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jira
import pytest

from syncd.sandbox.jira import JiraEmulator, seed_synthetic

from .jira_support import T0, api_session, client, serving


@pytest.fixture
def cloud() -> Iterator[JiraEmulator]:
    with serving("cloud") as site:
        _issues(site, 30)
        yield site


@pytest.fixture
def dc() -> Iterator[JiraEmulator]:
    with serving("datacenter") as site:
        _issues(site, 30)
        yield site


def _issues(site: JiraEmulator, count: int) -> None:
    """``count`` stories in GROW, one a minute from T0 - count minutes; CORE-1 created last."""
    site.store.create_project("GROW", "Growth")
    site.store.create_project("CORE", "Core Platform")
    for number in range(count):
        created = T0 - timedelta(minutes=count - number)
        site.store.create_issue("GROW", f"Story {number + 1}", created=created)
    site.store.create_issue("CORE", "Core task", issue_type="Task", created=T0)


def _enhanced_pages(site: JiraEmulator, jql: str, **params: Any) -> Iterator[dict[str, Any]]:
    session = api_session(site)
    token: str | None = None
    while True:
        query = {"jql": jql, **params, **({"nextPageToken": token} if token else {})}
        page = session.get(f"{site.url}/rest/api/3/search/jql", params=query).json()
        yield page
        token = page.get("nextPageToken")
        if token is None:
            return


# -- Cloud: enhanced search ------------------------------------------------------------------------


def test_enhanced_search_pages_with_tokens_and_no_total(cloud: JiraEmulator) -> None:
    jc = client(cloud, version=3)

    first = jc.enhanced_search_issues("project = GROW ORDER BY created ASC", maxResults=12, fields="summary")
    second = jc.enhanced_search_issues(
        "project = GROW ORDER BY created ASC", nextPageToken=first.nextPageToken, maxResults=12, fields="summary"
    )
    everything = jc.enhanced_search_issues("project = GROW ORDER BY created ASC", maxResults=0, fields="summary")

    assert [i.key for i in first] == [f"GROW-{n}" for n in range(1, 13)]
    assert [i.key for i in second] == [f"GROW-{n}" for n in range(13, 25)]
    assert [i.key for i in everything] == [f"GROW-{n}" for n in range(1, 31)]
    pages = list(_enhanced_pages(cloud, "project = GROW", maxResults=12, fields="key"))
    assert [page["isLast"] for page in pages] == [False, False, True]
    assert "nextPageToken" not in pages[-1]
    assert all("total" not in page for page in pages)


def test_enhanced_search_returns_ids_only_by_default(cloud: JiraEmulator) -> None:
    page = api_session(cloud).get(f"{cloud.url}/rest/api/3/search/jql", params={"jql": "key = GROW-1"}).json()

    assert page == {"issues": [{"id": str(cloud.store.issue("GROW-1").id)}], "isLast": True}


def test_enhanced_search_post_body(cloud: JiraEmulator) -> None:
    body = {"jql": "project = GROW ORDER BY key DESC", "maxResults": 2, "fields": ["summary", "labels"]}

    page = api_session(cloud).post(f"{cloud.url}/rest/api/3/search/jql", json=body).json()

    assert [i["key"] for i in page["issues"]] == ["GROW-30", "GROW-29"]
    assert page["issues"][0]["fields"] == {"summary": "Story 30", "labels": []}


def test_enhanced_search_caps_pages_at_100_with_fields_and_5000_for_ids(cloud: JiraEmulator) -> None:
    _issues_in(cloud, "CORE", 150)
    session = api_session(cloud)
    url = f"{cloud.url}/rest/api/3/search/jql"

    with_fields = session.get(url, params={"jql": "project = CORE", "maxResults": "1000", "fields": "summary"})
    keys_only = session.get(url, params={"jql": "project = CORE", "maxResults": "1000", "fields": "key"})

    assert len(with_fields.json()["issues"]) == 100
    assert len(keys_only.json()["issues"]) == 151
    assert keys_only.json()["isLast"] is True


def _issues_in(site: JiraEmulator, project: str, count: int) -> None:
    for number in range(count):
        site.store.create_issue(project, f"Bulk {number}", created=T0 + timedelta(seconds=number))


def test_enhanced_search_refuses_unbounded_queries(cloud: JiraEmulator) -> None:
    for jql in ("", "ORDER BY created DESC"):
        response = api_session(cloud).get(f"{cloud.url}/rest/api/3/search/jql", params={"jql": jql})
        assert response.status_code == 400
        assert response.json() == {
            "errorMessages": [
                "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
            ],
            "errors": {},
        }


def test_a_page_token_belongs_to_its_query(cloud: JiraEmulator) -> None:
    first = next(_enhanced_pages(cloud, "project = GROW", maxResults=5, fields="key"))
    session = api_session(cloud)
    url = f"{cloud.url}/rest/api/3/search/jql"

    foreign = session.get(url, params={"jql": "project = CORE", "nextPageToken": first["nextPageToken"]})
    garbage = session.get(url, params={"jql": "project = GROW", "nextPageToken": "not-a-token"})

    assert foreign.status_code == garbage.status_code == 400


def test_classic_search_is_gone_on_cloud(cloud: JiraEmulator) -> None:
    for version in (2, 3):
        response = api_session(cloud).get(f"{cloud.url}/rest/api/{version}/search", params={"jql": "project = GROW"})
        assert response.status_code == 410
        assert response.json()["errorMessages"][0].startswith("The requested API has been removed.")


def test_the_jira_package_only_offers_enhanced_search_to_cloud(dc: JiraEmulator) -> None:
    assert client(dc).enhanced_search_issues("project = GROW") is None
    assert dc.log.count("search_jql") == 0


# -- Data Center: classic search -------------------------------------------------------------------


def test_classic_search_pages_by_offset_with_a_total(dc: JiraEmulator) -> None:
    jc = client(dc)

    page = jc.search_issues("project = GROW ORDER BY created ASC", startAt=10, maxResults=5, fields="summary")
    everything = jc.search_issues("project in (GROW, CORE) ORDER BY key ASC", maxResults=False)

    assert [i.key for i in page] == [f"GROW-{n}" for n in range(11, 16)]
    assert (page.startAt, page.maxResults, page.total) == (10, 5, 30)
    assert [i.key for i in everything][:2] == ["CORE-1", "GROW-1"]
    assert len(everything) == 31


def test_classic_search_defaults_to_50_and_caps_at_1000(dc: JiraEmulator) -> None:
    _issues_in(dc, "CORE", 1050)
    session = api_session(dc)
    url = f"{dc.url}/rest/api/2/search"

    default = session.get(url, params={"jql": "project = CORE", "fields": "key"}).json()
    capped = session.get(url, params={"jql": "project = CORE", "maxResults": "5000", "fields": "key"}).json()
    counting = session.get(url, params={"jql": "project = CORE", "maxResults": "0"}).json()

    assert (len(default["issues"]), default["maxResults"], default["total"]) == (50, 50, 1051)
    assert (len(capped["issues"]), capped["maxResults"]) == (1000, 1000)
    assert (counting["issues"], counting["total"]) == ([], 1051)


def test_classic_search_post_and_lenient_validation(dc: JiraEmulator) -> None:
    session = api_session(dc)
    url = f"{dc.url}/rest/api/2/search"

    strict = session.post(url, json={"jql": "project in (GROW, GONE)"})
    lenient = session.post(url, json={"jql": "project in (GROW, GONE)", "validateQuery": "warn", "maxResults": 1})

    assert strict.status_code == 400
    assert strict.json()["errorMessages"] == ["The value 'GONE' does not exist for the field 'project'."]
    assert lenient.status_code == 200
    assert lenient.json()["total"] == 30
    assert lenient.json()["warningMessages"] == ["The value 'GONE' does not exist for the field 'project'."]


# -- JQL over HTTP ---------------------------------------------------------------------------------


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = GROW AND assignee = x", "Error in the JQL Query: The field 'assignee' is not supported"),
        ("project = GROW ORDER BY rank", "Error in the JQL Query: Sorting by 'rank' is not supported"),
        ("project = GROW AND", "Error in the JQL Query: Expecting a field name but got the end of the query."),
        ("key in (GROW-1, GROW-999)", "An issue with key 'GROW-999' does not exist for field 'key'."),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ('updated >= "2026-11-01T10:00"', "Date value '2026-11-01T10:00' for field 'updated' is invalid."),
    ],
)
def test_jql_refusals_are_400_in_jiras_shape(deployment: str, jql: str, message: str) -> None:
    with serving(deployment) as site:
        _issues(site, 2)
        path = "/rest/api/3/search/jql" if deployment == "cloud" else "/rest/api/2/search"

        response = api_session(site).get(f"{site.url}{path}", params={"jql": jql})

    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {}
    assert len(body["errorMessages"]) == 1
    assert body["errorMessages"][0].startswith(message)


def test_the_jira_package_surfaces_jql_errors(cloud: JiraEmulator) -> None:
    with pytest.raises(jira.JIRAError) as raised:
        client(cloud).enhanced_search_issues("summary ~ checkout")

    assert raised.value.status_code == 400
    assert "not supported by the Jira emulator" in str(raised.value.text)


# -- time zones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "matches"), [("Europe/Berlin", True), ("UTC", False), ("America/New_York", True)])
def test_jql_dates_are_read_in_the_users_time_zone(cloud: JiraEmulator, zone: str, matches: bool) -> None:
    cloud.store.set_time_zone(cloud.user, zone)
    cloud.store.edit_labels("GROW-1", add=["touched"])  # updated = T0 = 09:00 UTC
    local = {"Europe/Berlin": "2026-11-02 10:00", "UTC": "2026-11-02 09:01", "America/New_York": "2026-11-02 04:00"}

    keys = [i.key for i in client(cloud).enhanced_search_issues(f'updated >= "{local[zone]}" AND project = GROW')]

    assert ("GROW-1" in keys) is matches
    assert client(cloud).myself()["timeZone"] == zone


def test_minute_precision_includes_edits_within_the_cursor_minute(dc: JiraEmulator) -> None:
    dc.clock.set(T0 + timedelta(seconds=59, milliseconds=999))
    dc.store.edit_labels("GROW-2", add=["late-in-the-minute"])

    at = client(dc).search_issues('project = GROW AND updated >= "2026-11-02 09:00"')
    after = client(dc).search_issues('project = GROW AND updated > "2026/11/02 09:00"')
    next_minute = client(dc).search_issues('project = GROW AND updated >= "2026-11-02 09:01"')

    assert "GROW-2" in [i.key for i in at]
    assert "GROW-2" in [i.key for i in after]
    assert "GROW-2" not in [i.key for i in next_minute]


# -- results stay right while the data changes -----------------------------------------------------


def test_keyset_pages_by_created_see_every_issue_once_despite_edits(cloud: JiraEmulator) -> None:
    pages = _enhanced_pages(cloud, "project = GROW ORDER BY created ASC", maxResults=10, fields="labels")
    seen = [i["key"] for i in next(pages)["issues"]]
    cloud.clock.advance(60)
    cloud.store.edit_labels("GROW-3", add=["already-read"])
    cloud.store.edit_labels("GROW-25", add=["not-yet-read"])
    cloud.store.delete_issue("GROW-30")
    cloud.store.create_issue("GROW", "Created mid-pull")

    for page in pages:
        seen.extend(i["key"] for i in page["issues"])

    assert seen == [f"GROW-{n}" for n in range(1, 30)] + ["GROW-31"]


def test_ordering_by_updated_shows_why_syncd_pages_by_created(cloud: JiraEmulator) -> None:
    pages = _enhanced_pages(cloud, "project = GROW ORDER BY updated ASC", maxResults=10, fields="key")
    seen = [i["key"] for i in next(pages)["issues"]]
    cloud.clock.advance(60)
    cloud.store.edit_labels("GROW-3", add=["edited-after-it-was-read"])

    for page in pages:
        seen.extend(i["key"] for i in page["issues"])

    assert seen.count("GROW-3") == 2
    assert len(set(seen)) == 30


def test_a_key_sweep_finds_moved_issues_under_their_new_keys(cloud: JiraEmulator) -> None:
    moved = cloud.store.move_issue("GROW-5", "CORE")

    keys = [i.key for i in client(cloud).enhanced_search_issues("key in (GROW-4, GROW-5)")]

    assert keys == ["GROW-4", moved.key]


def test_a_large_backlog_pages_in_order_while_labels_change() -> None:
    with serving("cloud", validate=False) as cloud:
        _issues(cloud, 30)
        seed_synthetic(cloud.store, 12_000, seed=7)
        expected = sorted(
            (i for i in cloud.store.issues() if i.key.split("-")[0] in {"GROW", "CORE", "OPS"}),
            key=lambda i: (i.created_ms, i.id),
        )
        pages = _enhanced_pages(
            cloud, "project in (GROW, CORE, OPS) ORDER BY created ASC", maxResults=5000, fields="key"
        )

        seen: list[str] = []
        for number, page in enumerate(pages):
            seen.extend(i["key"] for i in page["issues"])
            cloud.store.edit_labels(expected[number * 97].key, add=[f"edit-{number}"])

    assert seen == [i.key for i in expected]
    assert cloud.log.count("search_jql") == 3
