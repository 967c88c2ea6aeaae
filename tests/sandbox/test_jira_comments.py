"""Comments through the real ``jira`` package: ADF on v3, wiki markup on v2, edits in place, paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from syncd.sandbox.jira import JiraEmulator

from .jira_support import T0, api_session, backlog, client, serving


@pytest.fixture
def cloud() -> Iterator[JiraEmulator]:
    with serving("cloud") as site:
        backlog(site)
        yield site


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    with serving(request.param) as emulator:
        backlog(emulator)
        yield emulator


# -- comments --------------------------------------------------------------------------------------


def test_cloud_comments_written_in_adf_read_as_wiki_on_v2(cloud: JiraEmulator) -> None:
    v3 = client(cloud, version=3)
    document = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [{"type": "text", "text": "Drift report"}]},
            {"type": "paragraph", "content": [{"type": "text", "text": "Growth", "marks": [{"type": "strong"}]}]},
        ],
    }

    created = v3.add_comment("STRAT-1", document)

    assert created.raw["body"] == document
    v2_body = client(cloud).comments("STRAT-1")[0].body
    assert v2_body == "h2. Drift report\n\n*Growth*"
    assert cloud.store.comment_text(cloud.store.comments("STRAT-1")[0]) == "Drift report\n\nGrowth"


def test_comments_written_as_wiki_read_as_minimal_adf_on_v3(cloud: JiraEmulator) -> None:
    client(cloud).add_comment("STRAT-1", "line one\nline two\n\nnext paragraph")

    body = client(cloud, version=3).comments("STRAT-1")[0].raw["body"]

    assert body == {
        "type": "doc",
        "version": 1,
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "line one"},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "line two"},
                ],
            },
            {"type": "paragraph", "content": [{"type": "text", "text": "next paragraph"}]},
        ],
    }
    assert client(cloud).comments("STRAT-1")[0].body == "line one\nline two\n\nnext paragraph"


def test_comment_edit_in_place_moves_updated_of_comment_and_issue(site: JiraEmulator) -> None:
    jc = client(site)
    comment = jc.add_comment("STRAT-1", "<!-- syncd:report --> v1")
    site.clock.advance(timedelta(minutes=1))

    comment.update(body="<!-- syncd:report --> v2")

    assert [c.body for c in jc.comments("STRAT-1")] == ["<!-- syncd:report --> v2"]
    assert jc.comment("STRAT-1", comment.id).updated.startswith("2026-11-02T09:01:00.000")
    assert site.store.issue("STRAT-1").updated == T0 + timedelta(minutes=1)
    assert site.log.count("comment_edit", method="PUT") == 1


def test_comment_bodies_are_checked_per_version(cloud: JiraEmulator) -> None:
    session = api_session(cloud)

    string_on_v3 = session.post(f"{cloud.url}/rest/api/3/issue/STRAT-1/comment", json={"body": "plain"})
    empty_on_v2 = session.post(f"{cloud.url}/rest/api/2/issue/STRAT-1/comment", json={"body": "  "})
    missing = session.get(f"{cloud.url}/rest/api/2/issue/STRAT-1/comment/424242")

    assert string_on_v3.status_code == 400
    assert string_on_v3.json()["errors"] == {
        "comment": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    }
    assert empty_on_v2.json() == {"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}}
    assert missing.status_code == 404


def test_comment_list_pages_and_orders(site: JiraEmulator) -> None:
    for number in range(3):
        site.store.add_comment("STRAT-1", f"comment {number}")
        site.clock.advance(1)
    session = api_session(site)
    url = f"{site.url}/rest/api/2/issue/STRAT-1/comment"

    page = session.get(url, params={"startAt": 1, "maxResults": 1}).json()
    newest_first = session.get(url, params={"orderBy": "-created"}).json()
    bad_order = session.get(url, params={"orderBy": "author"})

    assert (page["startAt"], page["maxResults"], page["total"]) == (1, 1, 3)
    assert [c["body"] for c in page["comments"]] == ["comment 1"]
    assert [c["body"] for c in newest_first["comments"]] == ["comment 2", "comment 1", "comment 0"]
    assert bad_order.status_code == 400
