"""Schema fidelity: the emulator's answers and syncd-style requests against Atlassian's OpenAPI description."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from syncd.sandbox.jira import JiraEmulator

from .jira_openapi import (
    SUBSET,
    SpecError,
    spec,
    validate_exchange,
    validate_exchanges,
    validate_request,
    validate_response,
)
from .jira_support import adf, api_session, client, serving

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "jira_openapi_subset.py"


def _tour(site: JiraEmulator, version: int) -> None:
    """Call every endpoint once, successfully, through the given REST version."""
    store = site.store
    store.create_project("GROW", "Growth", components=["Billing"])
    epic = store.create_issue("GROW", "Epic", issue_type="Epic")
    story = store.create_issue(
        "GROW", "Story", epic=epic.key, components=["Billing"], story_points=3, description="Plain\ntext"
    )
    subtask = store.create_issue("GROW", "Sub", issue_type="Sub-task", parent=story.key, status="Done")
    store.add_comment(story.key, "wiki *comment*")
    session = api_session(site)
    base = f"{site.url}/rest/api/{version}"
    body: Any = adf("report") if version == 3 else "report"
    search = ("search/jql", {}) if site.deployment.value == "cloud" else ("search", {"startAt": 0})

    for path in ("serverInfo", "myself", "field"):
        assert session.get(f"{base}/{path}").status_code == 200
    params: dict[str, Any] = {"jql": "project = GROW ORDER BY created", "fields": "*all", "maxResults": 2, **search[1]}
    assert session.get(f"{base}/{search[0]}", params=params).status_code == 200
    post = {"jql": "project = GROW", "fields": ["summary", "comment", "parent"], "maxResults": 5}
    assert session.post(f"{base}/{search[0]}", json=post).status_code == 200
    assert session.get(f"{base}/issue/{story.key}").status_code == 200
    edit = {"update": {"labels": [{"add": "objective:growth"}]}, "fields": {"summary": "Story, renamed"}}
    assert session.put(f"{base}/issue/{story.key}", json=edit).status_code == 204
    assert session.put(f"{base}/issue/{story.key}", params={"returnIssue": "true"}, json={}).status_code == 200
    created = session.post(f"{base}/issue/{story.key}/comment", json={"body": body})
    assert created.status_code == 201
    comment = created.json()["id"]
    assert session.get(f"{base}/issue/{story.key}/comment", params={"orderBy": "-created"}).status_code == 200
    assert session.get(f"{base}/issue/{story.key}/comment/{comment}").status_code == 200
    assert session.put(f"{base}/issue/{story.key}/comment/{comment}", json={"body": body}).status_code == 200
    assert session.delete(f"{base}/issue/{story.key}/comment/{comment}").status_code == 204
    assert session.delete(f"{base}/issue/{subtask.key}").status_code == 204


@pytest.mark.parametrize(("deployment", "version"), [("cloud", 3), ("cloud", 2), ("datacenter", 2)])
def test_every_endpoint_answers_within_the_description(deployment: str, version: int) -> None:
    with serving(deployment, validate=False) as site:
        _tour(site, version)
        records = site.log.records()

    assert len(records) == 14
    for record in records:
        validate_exchange(record)


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_error_responses_are_error_collections(deployment: str) -> None:
    with serving(deployment, validate=False) as site:
        site.store.create_project("GROW", "Growth")
        site.store.create_issue("GROW", "Story")
        session = api_session(site)
        session.put(f"{site.url}/rest/api/2/issue/GROW-1", json={"fields": {"labels": ["a b"]}})
        session.get(f"{site.url}/rest/api/2/issue/GROW-9")
        session.get(f"{site.url}/rest/api/2/issue/GROW-1/comment/1")
        requests.get(f"{site.url}/rest/api/2/myself", timeout=10)
        site.faults.error_burst = 1
        session.get(f"{site.url}/rest/api/2/field")
        records = site.log.records()

    assert [r.status for r in records] == [400, 404, 404, 401, 503]
    for record in records:
        content_type = "text/plain" if not record.response.startswith(b"{") else "application/json"
        validate_response(record.method, record.path, record.status, record.response, content_type=content_type)


def test_the_jira_package_requests_are_within_the_description() -> None:
    with serving("cloud") as site:
        site.store.create_project("GROW", "Growth")
        site.store.create_issue("GROW", "Story")
        jc = client(site, version=3)
        jc.enhanced_search_issues("project = GROW", maxResults=0)
        issue = jc.issue("GROW-1")
        issue.update(update={"labels": [{"add": "x"}, {"remove": "y"}]})
        jc.add_comment("GROW-1", adf("hello")).update(body=adf("edited"))
        for record in site.log.records():
            validate_request(record.method, record.path, record.query, record.body)


def _comment_record(site: JiraEmulator) -> Any:
    return next(r for r in site.log.records() if r.endpoint == "comment_get")


@pytest.mark.parametrize(
    ("version", "mutate", "problem"),
    [
        (3, lambda body: body.update(body="a string"), "v3 carries an ADF document"),
        (2, lambda body: body.update(body={"type": "doc", "version": 1, "content": []}), "v2 carries wiki markup"),
        (3, lambda body: body.update(created="2026-11-02T09:00:00.000+00:00"), "is not a Jira timestamp"),
        (3, lambda body: body["author"].update(nickname="x"), "Additional properties are not allowed"),
    ],
)
def test_the_validator_catches_a_wrong_comment(version: int, mutate: Any, problem: str) -> None:
    with serving("cloud", validate=False) as site:
        site.store.create_project("GROW", "Growth")
        site.store.create_issue("GROW", "Story")
        comment = site.store.add_comment("GROW-1", "hello")
        api_session(site).get(f"{site.url}/rest/api/{version}/issue/GROW-1/comment/{comment.id}")
        record = _comment_record(site)
    body = json.loads(record.response)
    validate_response("GET", record.path, 200, record.response)

    mutate(body)

    with pytest.raises(SpecError, match=problem):
        validate_response("GET", record.path, 200, json.dumps(body).encode())


def test_the_validator_catches_wrong_issue_fields_and_requests() -> None:
    with serving("cloud", validate=False) as site:
        site.store.create_project("GROW", "Growth")
        site.store.create_issue("GROW", "Story", description="text")
        api_session(site).get(f"{site.url}/rest/api/3/issue/GROW-1")
        [record] = site.log.records()
    issue = json.loads(record.response)
    wrong_status = copy.deepcopy(issue)
    wrong_status["fields"]["status"]["statusCategory"]["id"] = "two"
    string_description = copy.deepcopy(issue)
    string_description["fields"]["description"] = "text"

    for wrong in (wrong_status, string_description):
        with pytest.raises(SpecError):
            validate_response("GET", record.path, 200, json.dumps(wrong).encode())
    with pytest.raises(SpecError, match="not declared"):
        validate_request("GET", "/rest/api/3/search/jql", "jql=x&startAt=5", b"")
    with pytest.raises(SpecError, match="maxResults"):
        validate_request("GET", "/rest/api/3/search/jql", "jql=x&maxResults=lots", b"")
    with pytest.raises(SpecError, match="request"):
        validate_request("POST", "/rest/api/3/search/jql", "", json.dumps({"jql": "x", "startAt": 0}).encode())
    with pytest.raises(SpecError, match="not documented"):
        validate_response("GET", "/rest/api/3/myself", 404, b'{"errorMessages":[],"errors":{}}')


def _script() -> ModuleType:
    loaded = importlib.util.spec_from_file_location("jira_openapi_subset", SCRIPT)
    assert loaded is not None
    assert loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    return module


def test_the_extractor_keeps_operations_and_referenced_schemas_only() -> None:
    script = _script()
    source = {
        "openapi": "3.0.1",
        "info": {"title": "Jira", "version": "1"},
        "paths": {
            path: {m: {"description": "prose", "responses": {"200": {"$ref": "#/components/schemas/A"}}} for m in ms}
            for path, ms in script.OPERATIONS.items()
        }
        | {"/rest/api/3/other": {"get": {"responses": {"200": {"$ref": "#/components/schemas/Unused"}}}}},
        "components": {
            "schemas": {
                "A": {
                    "description": "prose",
                    "properties": {"description": {"type": "string"}, "b": {"$ref": "#/components/schemas/B"}},
                },
                "B": {"type": "integer", "x-atlassian": True},
                "Unused": {"type": "string"},
                **{name: {"type": "object"} for name in script.FIELD_SCHEMAS},
            }
        },
    }

    subset = script.extract(source)

    assert set(subset["paths"]) == set(script.OPERATIONS)
    assert "/rest/api/3/other" not in subset["paths"]
    schemas = subset["components"]["schemas"]
    assert set(schemas) == {"A", "B", *script.FIELD_SCHEMAS}
    assert schemas["A"] == {"properties": {"description": {"type": "string"}, "b": {"$ref": "#/components/schemas/B"}}}
    assert schemas["B"] == {"type": "integer"}


def test_the_committed_subset_matches_the_extractor() -> None:
    script = _script()
    document = spec()

    assert SUBSET.is_file()
    assert {path: set(ops) for path, ops in document["paths"].items()} == {
        path: set(methods) for path, methods in script.OPERATIONS.items()
    }
    assert set(script.FIELD_SCHEMAS) <= set(document["components"]["schemas"])
    assert document["x-generated-by"] == "scripts/jira_openapi_subset.py"


def test_error_bodies_are_validated_faulted_or_not() -> None:
    with serving("cloud", validate=False) as site:
        site.faults.rate_limit_burst = 1
        api_session(site).get(f"{site.url}/rest/api/2/field")
        api_session(site).get(f"{site.url}/rest/api/2/issue/NOPE-1")
        limited, missing = site.log.records()
    assert (limited.status, missing.status) == (429, 404)
    validate_exchanges([limited, missing])

    for record in (limited, missing):
        wrong = dataclasses.replace(record, response=b'{"message": "Too many requests"}')
        with pytest.raises(SpecError, match="Additional properties"):
            validate_exchange(wrong)


def test_an_exchange_a_test_means_to_validate_must_have_happened() -> None:
    with serving("cloud", validate=False) as site:
        api_session(site).get(f"{site.url}/rest/api/3/myself")
        records = site.log.records()
    validate_exchanges(records, must_cover=["myself"])
    with pytest.raises(SpecError, match="no exchange of mypermissions"):
        validate_exchanges(records, must_cover=["myself", "mypermissions"])
