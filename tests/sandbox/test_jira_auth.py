"""Authentication, permissions and routing: who may call what, and what Jira answers otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import jira
import pytest
import requests

from syncd.sandbox.jira import JiraEmulator

from .jira_support import api_session, backlog, serving


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


# -- authentication and permissions ----------------------------------------------------------------


def test_wrong_cloud_credentials_are_401_even_for_server_info(cloud: JiraEmulator) -> None:
    with pytest.raises(jira.JIRAError) as raised:
        jira.JIRA(cloud.url, basic_auth=(cloud.user.email, "wrong"), max_retries=0)

    assert raised.value.status_code == 401
    response = raised.value.response
    assert response is not None
    assert response.text == "Client must be authenticated to access this resource."
    assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="protected-area"'


def test_cloud_refuses_bearer_and_data_center_refuses_basic(cloud: JiraEmulator, dc: JiraEmulator) -> None:
    bearer = requests.get(
        f"{cloud.url}/rest/api/3/myself", headers={"Authorization": f"Bearer {cloud.token}"}, timeout=10
    )
    basic = requests.get(f"{dc.url}/rest/api/2/myself", auth=("syncd", dc.token), timeout=10)
    garbled = requests.get(f"{cloud.url}/rest/api/3/myself", headers={"Authorization": "Basic !!!"}, timeout=10)

    assert bearer.status_code == basic.status_code == garbled.status_code == 401
    assert basic.json()["errorMessages"] == [
        "You are not authenticated. Authentication required to perform this operation."
    ]


def test_anonymous_callers_may_read_server_info_only(site: JiraEmulator) -> None:
    version = 3 if site.deployment.value == "cloud" else 2

    info = requests.get(f"{site.url}/rest/api/{version}/serverInfo", timeout=10)
    me = requests.get(f"{site.url}/rest/api/{version}/myself", timeout=10)

    assert info.status_code == 200
    assert me.status_code == 401
    assert site.log.count("myself", status=401) == 1


def test_a_user_without_edit_permission_reads_but_cannot_write(site: JiraEmulator) -> None:
    reader = site.store.create_user(
        display_name="Read Only", email="reader@example.com", token="reader-token", can_edit=False
    )
    jc = jira.JIRA(**site.client_options(reader), max_retries=0)

    assert jc.issue("GROW-2").key == "GROW-2"
    with pytest.raises(jira.JIRAError) as edit:
        jc.issue("GROW-2").update(update={"labels": [{"add": "x"}]})
    with pytest.raises(jira.JIRAError) as comment:
        jc.add_comment("GROW-2", "hello")

    assert edit.value.status_code == comment.value.status_code == 403
    assert edit.value.text == "You do not have permission to edit issues in this project."
    assert site.store.labels("GROW-2") == ("pricing",)


def test_data_center_has_no_v3_and_no_enhanced_search(dc: JiraEmulator) -> None:
    session = api_session(dc)

    assert session.get(f"{dc.url}/rest/api/3/myself").status_code == 404
    assert session.get(f"{dc.url}/rest/api/2/search/jql", params={"jql": "project = GROW"}).status_code == 404
    assert dc.log.count("not_found") == 2


def test_unknown_paths_and_methods(site: JiraEmulator) -> None:
    session = api_session(site)

    assert session.get(f"{site.url}/rest/api/2/frobnicate").status_code == 404
    assert session.post(f"{site.url}/rest/api/2/myself", json={}).status_code == 405
    assert site.log.count("method_not_allowed") == 1


def test_deleting_an_issue_with_subtasks_needs_delete_subtasks(site: JiraEmulator) -> None:
    session = api_session(site)

    refused = session.delete(f"{site.url}/rest/api/2/issue/GROW-2")
    deleted = session.delete(f"{site.url}/rest/api/2/issue/GROW-2", params={"deleteSubtasks": "true"})

    assert refused.status_code == 400
    assert deleted.status_code == 204
    assert site.store.find("GROW-2") is None
    assert site.store.find("GROW-3") is None
