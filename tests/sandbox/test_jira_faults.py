"""Injected faults in Jira's shapes, and the request counters tests and benchmarks read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import jira
import pytest
import requests

from syncd.sandbox.faults import FaultKind
from syncd.sandbox.jira import ENDPOINTS, JiraEmulator

from .jira_openapi import validate_response
from .jira_support import adf, api_session, client, serving


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    with serving(request.param) as emulator:
        emulator.store.create_project("STRAT", "Strategy")
        emulator.store.create_issue("STRAT", "Strategy report", labels=["keep"])
        yield emulator


def _myself(site: JiraEmulator) -> str:
    return f"{site.url}/rest/api/2/myself"


def test_rate_limits_carry_retry_after_and_the_documented_headers(site: JiraEmulator) -> None:
    site.faults.rate_limit_burst = 1
    site.faults.retry_after = 2.5

    limited = api_session(site).get(_myself(site))
    after = api_session(site).get(_myself(site))

    assert limited.status_code == 429
    assert limited.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert limited.headers["Retry-After"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    if site.deployment.value == "cloud":
        assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
        assert limited.headers["X-RateLimit-NearLimit"] == "true"
        reset = datetime.strptime(limited.headers["X-RateLimit-Reset"], "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
        assert 2 <= (reset - datetime.now(UTC)).total_seconds() <= 63
    else:
        assert limited.headers["X-RateLimit-Interval-Seconds"] == "1"
        assert limited.headers["X-RateLimit-FillRate"] == "10"
    assert after.status_code == 200
    validate_response("GET", "/rest/api/2/myself", 429, limited.content)


def test_rate_limit_without_retry_after(site: JiraEmulator) -> None:
    site.faults.rate_limit_burst = 1
    site.faults.retry_after = None

    limited = api_session(site).get(_myself(site))

    assert limited.status_code == 429
    assert "Retry-After" not in limited.headers
    assert "X-RateLimit-Reset" not in limited.headers


def test_the_jira_package_with_retries_off_raises_on_a_429(site: JiraEmulator) -> None:
    jc = client(site)
    site.faults.rate_limit_burst = 1
    site.faults.retry_after = 0

    with pytest.raises(jira.JIRAError) as raised:
        jc.issue("STRAT-1")

    assert raised.value.status_code == 429
    assert raised.value.response is not None
    assert raised.value.response.headers["Retry-After"] == "0"
    assert jc.issue("STRAT-1").key == "STRAT-1"
    assert site.log.count("issue_get", status=429, faulted=True) == 1
    assert site.log.count("issue_get", status=200) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_in_jiras_shape(site: JiraEmulator, status: int) -> None:
    site.faults.error_burst = 1
    site.faults.error_status = status

    failed = api_session(site).get(_myself(site))

    assert failed.status_code == status
    assert failed.json()["errors"] == {}
    assert failed.json()["errorMessages"]
    validate_response("GET", "/rest/api/2/myself", status, failed.content)


def test_every_nth_request_fails_and_the_rest_succeed(site: JiraEmulator) -> None:
    site.faults.error_every = 3
    session = api_session(site)

    statuses = [session.get(_myself(site)).status_code for _ in range(6)]

    assert statuses == [200, 200, 503, 200, 200, 503]
    assert site.log.count("myself", faulted=True) == 2


def test_faults_can_target_writes_only(site: JiraEmulator) -> None:
    site.faults.paths = r"/comment"
    site.faults.error_burst = 2
    session = api_session(site)

    read = session.get(f"{site.url}/rest/api/2/issue/STRAT-1")
    write = session.post(f"{site.url}/rest/api/2/issue/STRAT-1/comment", json={"body": "hello"})

    assert read.status_code == 200
    assert write.status_code == 503
    assert site.store.comments("STRAT-1") == []


def test_a_dropped_response_still_applied_the_write(site: JiraEmulator) -> None:
    site.faults.drop_burst = 1
    body = adf("report") if site.deployment.value == "cloud" else "report"
    version = 3 if site.deployment.value == "cloud" else 2

    with pytest.raises(requests.exceptions.RequestException):
        api_session(site).post(f"{site.url}/rest/api/{version}/issue/STRAT-1/comment", json={"body": body})

    assert [site.store.comment_text(c) for c in site.store.comments("STRAT-1")] == ["report"]
    [record] = site.log.records()
    assert (record.endpoint, record.status, record.fault) == ("comment_add", 201, FaultKind.DROP)


def test_a_dropped_read_breaks_the_jira_client(site: JiraEmulator) -> None:
    jc = client(site)
    site.faults.drop_every = 1

    with pytest.raises(requests.exceptions.RequestException):
        jc.issue("STRAT-1")


def test_latency_slows_every_response(site: JiraEmulator) -> None:
    site.faults.latency = 0.15
    session = api_session(site)

    started = time.perf_counter()
    assert session.get(_myself(site)).status_code == 200
    assert time.perf_counter() - started >= 0.15

    site.faults.reset()
    started = time.perf_counter()
    session.get(_myself(site))
    assert time.perf_counter() - started < 0.15


def test_faults_are_rendered_for_unknown_paths_too(site: JiraEmulator) -> None:
    site.faults.rate_limit_burst = 1

    response = api_session(site).get(f"{site.url}/rest/api/2/nothing-here")

    assert response.status_code == 429
    assert site.log.count("not_found", status=429) == 1


def test_counters_name_every_endpoint(site: JiraEmulator) -> None:
    v = 3 if site.deployment.value == "cloud" else 2
    search = "search/jql" if v == 3 else "search"
    body = adf("one") if v == 3 else "one"
    session = api_session(site)
    base = f"{site.url}/rest/api/{v}"

    session.get(f"{base}/serverInfo")
    session.get(f"{base}/myself")
    session.get(f"{base}/field")
    session.get(f"{base}/{search}", params={"jql": "project = STRAT"})
    session.post(f"{base}/{search}", json={"jql": "project = STRAT"})
    session.get(f"{base}/issue/STRAT-1")
    session.put(f"{base}/issue/STRAT-1", json={"update": {"labels": [{"add": "objective:x"}]}})
    comment = session.post(f"{base}/issue/STRAT-1/comment", json={"body": body}).json()
    session.get(f"{base}/issue/STRAT-1/comment")
    session.get(f"{base}/issue/STRAT-1/comment/{comment['id']}")
    session.put(f"{base}/issue/STRAT-1/comment/{comment['id']}", json={"body": body})
    session.delete(f"{base}/issue/STRAT-1/comment/{comment['id']}")
    session.delete(f"{base}/issue/STRAT-1")

    counts = site.log.by_endpoint()
    expected_search = "search_jql" if v == 3 else "search"
    assert counts == {
        "serverInfo": 1,
        "myself": 1,
        "field": 1,
        expected_search: 2,
        "issue_get": 1,
        "issue_edit": 1,
        "comment_add": 1,
        "comment_list": 1,
        "comment_get": 1,
        "comment_edit": 1,
        "comment_delete": 1,
        "issue_delete": 1,
    }
    assert set(counts) <= set(ENDPOINTS)
    assert site.log.count(status=400) == 0
    site.log.clear()
    assert site.log.count() == 0
