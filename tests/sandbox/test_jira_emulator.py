"""The Jira emulator through the real ``jira`` package and ``requests``, over real HTTP.

Every exchange of every test is validated against Atlassian's OpenAPI description when the site stops
(see ``jira_support.serving``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jira
import pytest

from syncd.sandbox.jira import JiraEmulator

from .jira_support import T0, adf, api_session, backlog, client, serving

CLOUD_SP = "customfield_10016"
DC_SP = "customfield_10002"
DC_EPIC_LINK = "customfield_10008"


@pytest.fixture
def cloud() -> Iterator[JiraEmulator]:
    with serving("cloud") as site:
        backlog(site)
        yield site


@pytest.fixture
def dc() -> Iterator[JiraEmulator]:
    with serving("datacenter") as site:
        backlog(site)
        yield site


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    with serving(request.param) as emulator:
        backlog(emulator)
        yield emulator


# -- identity and metadata ---------------------------------------------------------------------------


def test_cloud_client_connects_and_sees_a_cloud_site(cloud: JiraEmulator) -> None:
    jc = client(cloud, version=3)

    info = jc.server_info()
    me = jc.myself()

    assert info["deploymentType"] == "Cloud"
    assert info["baseUrl"] == cloud.url
    assert me["accountId"] == cloud.user.account_id
    assert me["timeZone"] == "UTC"
    assert "name" not in me


def test_data_center_client_connects_with_a_personal_access_token(dc: JiraEmulator) -> None:
    jc = client(dc)

    assert jc.server_info()["deploymentType"] == "Server"
    me = jc.myself()
    assert (me["name"], me["key"], me["timeZone"]) == ("syncd", dc.user.user_key, "UTC")
    assert "accountId" not in me


def test_field_list_names_the_story_points_and_epic_fields(site: JiraEmulator) -> None:
    fields = {f["name"]: f for f in client(site).fields()}

    assert fields["Summary"]["schema"] == {"type": "string", "system": "summary"}
    if site.deployment.value == "cloud":
        assert fields["Story point estimate"]["id"] == CLOUD_SP
        assert fields["Story Points"]["id"] == "customfield_10028"
        assert "Epic Link" not in fields
    else:
        assert fields["Story Points"]["id"] == DC_SP
        assert fields["Epic Link"]["id"] == DC_EPIC_LINK
        assert fields["Epic Link"]["clauseNames"] == ["cf[10008]", "Epic Link"]


# -- issue shape -----------------------------------------------------------------------------------


def test_cloud_issue_shape_v3(cloud: JiraEmulator) -> None:
    issue = client(cloud, version=3).issue("GROW-2").raw
    fields = issue["fields"]

    assert issue["self"] == f"{cloud.url}/rest/api/3/issue/{issue['id']}"
    assert fields["issuetype"]["hierarchyLevel"] == 0
    assert fields["status"]["statusCategory"]["key"] == "indeterminate"
    assert fields["parent"]["key"] == "GROW-1"
    assert fields["parent"]["fields"]["issuetype"]["name"] == "Epic"
    assert fields[CLOUD_SP] == 5.0
    assert fields["customfield_10028"] is None
    assert [c["name"] for c in fields["components"]] == ["Checkout"]
    assert fields["project"] == fields["project"] | {"key": "GROW", "name": "Growth"}
    assert fields["created"] == "2026-10-25T09:00:00.000+0000"
    assert fields["resolutiondate"] is None
    assert fields["description"]["type"] == "doc"
    assert fields["description"]["content"][0]["content"][1] == {"type": "hardBreak"}


def test_data_center_issue_shape_v2(dc: JiraEmulator) -> None:
    story = client(dc).issue("GROW-2").raw["fields"]
    subtask = client(dc).issue("GROW-3").raw["fields"]
    bug = client(dc).issue("GROW-4").raw["fields"]

    assert story[DC_EPIC_LINK] == "GROW-1"
    assert "parent" not in story
    assert "hierarchyLevel" not in story["issuetype"]
    assert story["description"] == "Let trials convert.\nWithout support tickets."
    assert story[DC_SP] == 5.0
    assert subtask["parent"]["key"] == "GROW-2"
    assert subtask["issuetype"]["subtask"] is True
    assert bug["status"]["statusCategory"]["key"] == "done"
    assert bug["resolutiondate"] == bug["updated"]
    assert bug["resolution"]["name"] == "Done"


def test_fields_parameter_limits_the_fields(site: JiraEmulator) -> None:
    raw = client(site).issue("GROW-2", fields="summary,labels").raw

    assert raw["fields"] == {"summary": "Trial to paid flow", "labels": ["pricing"]}


def test_timestamps_follow_the_viewers_time_zone(cloud: JiraEmulator) -> None:
    cloud.store.set_time_zone(cloud.user, "Australia/Sydney")

    fields = client(cloud).issue("GROW-2", fields="created").raw["fields"]

    assert fields["created"] == "2026-10-25T20:00:00.000+1100"


def test_an_unknown_or_deleted_issue_is_404(site: JiraEmulator) -> None:
    site.store.delete_issue("CORE-1")

    for key in ("CORE-1", "NOPE-1", "99999"):
        with pytest.raises(jira.JIRAError) as raised:
            client(site).issue(key)
        assert raised.value.status_code == 404
        assert raised.value.text == "Issue does not exist or you do not have permission to see it."


def test_a_moved_issue_answers_under_its_old_key_with_its_new_key(site: JiraEmulator) -> None:
    moved = site.store.move_issue("CORE-1", "GROW")

    assert moved.key == "GROW-5"
    assert client(site).issue("CORE-1").key == "GROW-5"


# -- label edits -----------------------------------------------------------------------------------


def test_label_deltas_never_clobber_a_persons_concurrent_label(site: JiraEmulator) -> None:
    jc = client(site)
    issue = jc.issue("GROW-2")
    site.store.edit_labels("GROW-2", add=["customer-reported"])

    issue.update(update={"labels": [{"add": "objective:self-serve-growth"}, {"remove": "pricing"}]})

    assert site.store.labels("GROW-2") == ("customer-reported", "objective:self-serve-growth")
    assert issue.fields.labels == ["customer-reported", "objective:self-serve-growth"]
    assert site.log.count("issue_edit", method="PUT", status=204) == 1


def test_label_edits_move_updated_only_when_something_changed(site: JiraEmulator) -> None:
    session = api_session(site)
    url = f"{site.url}/rest/api/2/issue/GROW-2"
    before = site.store.issue("GROW-2").updated
    site.clock.advance(timedelta(minutes=5))

    unchanged = session.put(url, json={"update": {"labels": [{"add": "pricing"}, {"remove": "absent"}]}})
    assert unchanged.status_code == 204
    assert site.store.issue("GROW-2").updated == before

    changed = session.put(url, json={"update": {"labels": [{"add": "value:customer-first"}]}})
    assert changed.status_code == 204
    assert site.store.issue("GROW-2").updated == T0 + timedelta(minutes=5)


def test_labels_can_be_set_whole_through_fields_or_update_set(site: JiraEmulator) -> None:
    session = api_session(site)
    url = f"{site.url}/rest/api/2/issue/GROW-2"

    assert session.put(url, json={"fields": {"labels": ["a", "b"]}}).status_code == 204
    assert site.store.labels("GROW-2") == ("a", "b")
    assert session.put(url, json={"update": {"labels": [{"set": ["c"]}, {"add": "d"}]}}).status_code == 204
    assert site.store.labels("GROW-2") == ("c", "d")


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"update": {"labels": [{"add": "has space"}]}},
            {"labels": "The label 'has space' contains spaces which is invalid."},
        ),
        (
            {"fields": {"labels": ["x" * 256]}},
            {"labels": "The entered text is too long. It exceeds the allowed limit of 255 characters."},
        ),
        (
            {"update": {"labels": [{"rename": "x"}]}},
            {"labels": "Field 'labels' does not support the operation 'rename'."},
        ),
        (
            {"fields": {"status": {"name": "Done"}}},
            {"status": "Field 'status' cannot be set. It is not on the appropriate screen, or unknown."},
        ),
        (
            {"fields": {"summary": "two\nlines"}},
            {"summary": "The summary is invalid because it contains newline characters."},
        ),
    ],
)
def test_bad_edits_are_refused_in_jiras_shape_and_change_nothing(
    site: JiraEmulator, payload: dict[str, Any], errors: dict[str, str]
) -> None:
    before = site.store.issue("GROW-2")

    response = api_session(site).put(f"{site.url}/rest/api/2/issue/GROW-2", json=payload)

    assert response.status_code == 400
    assert response.json() == {"errorMessages": [], "errors": errors}
    assert site.store.issue("GROW-2") == before


def test_v3_descriptions_must_be_documents(cloud: JiraEmulator) -> None:
    session = api_session(cloud)
    url = f"{cloud.url}/rest/api/3/issue/GROW-2"

    refused = session.put(url, json={"fields": {"description": "plain"}})
    accepted = session.put(url, json={"fields": {"description": adf("rich"), CLOUD_SP: 8}})

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
    }
    assert accepted.status_code == 204
    assert cloud.store.issue("GROW-2").story_points == 8.0
    assert session.get(f"{cloud.url}/rest/api/2/issue/GROW-2").json()["fields"]["description"] == "rich"


def test_a_malformed_or_wrongly_typed_body_is_refused(site: JiraEmulator) -> None:
    session = api_session(site)
    url = f"{site.url}/rest/api/2/issue/GROW-2"

    empty = session.put(url, data=b"", headers={"Content-Type": "application/json"})
    broken = session.put(url, data=b"{", headers={"Content-Type": "application/json"})
    form = session.put(url, data=b"labels=x", headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert empty.status_code == 400
    assert empty.json()["errorMessages"] == ["No content to map to Object due to end of input"]
    assert broken.status_code == 400
    assert form.status_code == 415


def test_raw_puts_through_the_clients_session_and_comments_with_an_edit(site: JiraEmulator) -> None:
    jc = client(site)
    url = jc._get_url("issue/GROW-2")

    response = jc._session.put(url, data=json.dumps({"update": {"labels": [{"add": "value:customer-first"}]}}))
    jc.issue("GROW-2").update(comment="Relabelled by syncd")

    assert response.status_code == 204
    assert "value:customer-first" in site.store.labels("GROW-2")
    assert [site.store.comment_text(c) for c in site.store.comments("GROW-2")] == ["Relabelled by syncd"]
