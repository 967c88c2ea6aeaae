"""Jira Cloud's bulk edit in the emulator: the submission, the task followed to its end, the permission."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from syncd.sandbox.jira import JiraEmulator

from .jira_openapi import validate_exchanges
from .jira_support import api_session, serving


@pytest.fixture
def site() -> Iterator[JiraEmulator]:
    with serving("cloud") as emulator:
        emulator.store.create_project("GROW", "Growth")
        for number in range(1, 6):
            emulator.store.create_issue("GROW", f"Issue {number}", labels=["person"])
        yield emulator
        validate_exchanges(emulator.log.records(), must_cover=["bulk_edit", "bulk_progress"])


def _labels(option: str, *names: str) -> dict[str, Any]:
    field = {"fieldId": "labels", "bulkEditMultiSelectFieldOption": option, "labels": [{"name": n} for n in names]}
    return {"labelsFields": [field]}


def _submit(site: JiraEmulator, keys: list[str], option: str, *names: str, **extra: Any) -> requests.Response:
    body = {"selectedIssueIdsOrKeys": keys, "selectedActions": ["labels"], "editedFieldsInput": _labels(option, *names)}
    return api_session(site).post(f"{site.url}/rest/api/3/bulk/issues/fields", json={**body, **extra})


def _progress(site: JiraEmulator, task: str) -> dict[str, Any]:
    answer = api_session(site).get(f"{site.url}/rest/api/3/bulk/queue/{task}")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _labels_of(site: JiraEmulator, key: str) -> tuple[str, ...]:
    return site.store.issue(key).labels


def test_a_bulk_add_is_a_task_that_reports_each_issue(site: JiraEmulator) -> None:
    submitted = _submit(site, ["GROW-1", "GROW-2"], "ADD", "syncd-a", "syncd-b", sendBulkNotification=False)

    assert submitted.status_code == 201
    done = _progress(site, submitted.json()["taskId"])
    assert done["status"] == "COMPLETE"
    assert done["progressPercent"] == 100
    assert done["totalIssueCount"] == 2
    assert done["invalidOrInaccessibleIssueCount"] == 0
    ids = [site.store.issue(k).id for k in ("GROW-1", "GROW-2")]
    assert sorted(done["processedAccessibleIssues"]) == sorted(ids)
    assert "failedAccessibleIssues" not in done
    assert set(_labels_of(site, "GROW-1")) == {"person", "syncd-a", "syncd-b"}
    assert _labels_of(site, "GROW-3") == ("person",)


def test_remove_touches_only_the_named_labels(site: JiraEmulator) -> None:
    site.store.edit_labels("GROW-1", add=["syncd-a"])
    task = _submit(site, ["GROW-1"], "REMOVE", "syncd-a").json()["taskId"]

    assert _progress(site, task)["status"] == "COMPLETE"
    assert _labels_of(site, "GROW-1") == ("person",)


def test_the_task_runs_while_it_is_polled_and_reports_progress(site: JiraEmulator) -> None:
    site.app.bulk.step = 2
    task = _submit(site, [f"GROW-{n}" for n in range(1, 6)], "ADD", "syncd-a").json()["taskId"]

    assert "syncd-a" in _labels_of(site, "GROW-2"), "the site starts on the task before anyone polls"
    assert "syncd-a" not in _labels_of(site, "GROW-3")
    first = _progress(site, task)
    assert (first["status"], first["progressPercent"]) == ("RUNNING", 80)
    assert "syncd-a" not in _labels_of(site, "GROW-5")
    assert _progress(site, task)["status"] == "COMPLETE"


def test_per_issue_failures_and_gone_issues_are_reported(site: JiraEmulator) -> None:
    site.app.bulk.step = 1
    site.store.edit_labels("GROW-2", add=[f"x{n}" for n in range(5)])
    task = _submit(site, ["GROW-1", "GROW-2", "GROW-3"], "ADD", "bad label").json()["taskId"]
    site.store.delete_issue("GROW-3")
    site.app.bulk.finish_all()

    done = _progress(site, task)

    assert done["status"] == "COMPLETE"
    assert done["invalidOrInaccessibleIssueCount"] == 1
    assert done["processedAccessibleIssues"] == []
    failed = done["failedAccessibleIssues"]
    assert set(failed) == {str(site.store.issue(k).id) for k in ("GROW-1", "GROW-2")}
    assert all(reasons for reasons in failed.values())


def test_a_task_can_fail_as_a_whole(site: JiraEmulator) -> None:
    site.app.bulk.fail_next = 1
    task = _submit(site, ["GROW-1"], "ADD", "syncd-a").json()["taskId"]

    assert _progress(site, task)["status"] == "FAILED"
    assert _labels_of(site, "GROW-1") == ("person",)


def test_more_than_a_thousand_issues_are_refused(site: JiraEmulator) -> None:
    refused = _submit(site, [f"GROW-{n}" for n in range(1001)], "ADD", "syncd-a")

    assert refused.status_code == 400
    assert "at most 1000" in refused.json()["errors"][0]["message"]
    _progress(site, _submit(site, ["GROW-1"], "ADD", "syncd-a").json()["taskId"])


def test_edited_fields_must_be_selected_actions(site: JiraEmulator) -> None:
    body = {
        "selectedIssueIdsOrKeys": ["GROW-1"],
        "selectedActions": ["priority"],
        "editedFieldsInput": _labels("ADD", "a"),
    }
    refused = api_session(site).post(f"{site.url}/rest/api/3/bulk/issues/fields", json=body)

    assert refused.status_code == 400
    assert refused.json() == {
        "errors": [{"message": "The following editedFieldInput values are not listed as selectedActions : labels"}]
    }
    _progress(site, _submit(site, ["GROW-1"], "ADD", "syncd-a").json()["taskId"])


def test_bulk_edit_needs_the_global_bulk_change_permission(site: JiraEmulator) -> None:
    task = _submit(site, ["GROW-1"], "ADD", "syncd-a").json()["taskId"]
    _progress(site, task)
    user = site.store.create_user(display_name="No bulk", email="nobulk@example.com", token="t0k", bulk_change=False)
    session = requests.Session()
    session.auth = (user.email, user.token)
    body = {
        "selectedIssueIdsOrKeys": ["GROW-1"],
        "selectedActions": ["labels"],
        "editedFieldsInput": _labels("ADD", "b"),
    }

    refused = session.post(f"{site.url}/rest/api/3/bulk/issues/fields", json=body)
    asked = session.get(f"{site.url}/rest/api/3/mypermissions", params={"permissions": "BULK_CHANGE"})

    assert refused.status_code == 403
    assert "Bulk change" in refused.json()["errors"][0]["message"]
    assert session.get(f"{site.url}/rest/api/3/bulk/queue/{task}").status_code == 403
    assert asked.json()["permissions"]["BULK_CHANGE"]["havePermission"] is False
    assert "b" not in _labels_of(site, "GROW-1")


def test_data_center_has_no_bulk_edit() -> None:
    with JiraEmulator("datacenter") as dc:
        answer = requests.post(
            f"{dc.url}/rest/api/2/bulk/issues/fields",
            json={},
            headers={"Authorization": f"Bearer {dc.token}"},
            timeout=10,
        )
    assert answer.status_code == 404
