"""Rate limits, complexity, the shared fault knobs and the request counters, over real HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import requests
from gql import gql
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError, TransportServerError

from syncd.sandbox.linear import LinearEmulator, RateLimits

from .test_linear_emulator import Org, build_org, call, error_of, post, use

VIEWER = "{ viewer { id } }"
ISSUES = "{ issues(first: 100) { nodes { id } } }"  # 1 + 100 * 1.1 = 111 points
ADD_LABEL = """mutation($id: String!, $label: String!) { issueAddLabel(id: $id, labelId: $label) { success } }"""


@pytest.fixture(scope="module")
def served() -> Iterator[LinearEmulator]:
    with LinearEmulator() as emulator:
        yield emulator


@pytest.fixture
def org() -> Org:
    return build_org()


@pytest.fixture
def linear(served: LinearEmulator, org: Org) -> LinearEmulator:
    return use(served, org)


# -- Linear's own limits --------------------------------------------------------------------------------


def test_the_request_budget_runs_out_and_refills_with_time(linear: LinearEmulator, org: Org) -> None:
    linear.reset(limits=RateLimits(requests=3, period_ms=60_000))
    remaining = [post(linear, org.key, VIEWER).headers["X-RateLimit-Requests-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = post(linear, org.key, VIEWER)
    assert refused.status_code == 400
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATELIMITED"
    assert error["extensions"]["type"] == "ratelimited"
    now_ms = int(linear.clock.now().timestamp() * 1000)
    assert refused.headers["X-RateLimit-Requests-Remaining"] == "0"
    assert int(refused.headers["X-RateLimit-Requests-Reset"]) == now_ms + 60_000
    linear.clock.advance(20)
    assert post(linear, org.key, VIEWER).status_code == 200


def test_the_budget_is_per_key(linear: LinearEmulator, org: Org) -> None:
    linear.reset(limits=RateLimits(requests=1))
    assert post(linear, org.key, VIEWER).status_code == 200
    assert post(linear, org.key, VIEWER).status_code == 400
    assert post(linear, org.read_key, VIEWER).status_code == 200


def test_the_complexity_budget_runs_out(linear: LinearEmulator, org: Org) -> None:
    linear.reset(limits=RateLimits(complexity=300))
    first = post(linear, org.key, ISSUES)
    assert first.headers["X-Complexity"] == "111"
    assert first.headers["X-RateLimit-Complexity-Remaining"] == "189"
    assert post(linear, org.key, ISSUES).status_code == 200
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, ISSUES)
    assert error_of(raised)["extensions"]["code"] == "RATELIMITED"
    assert post(linear, org.key, VIEWER).status_code == 200


def test_a_query_over_ten_thousand_points_is_refused(linear: LinearEmulator, org: Org) -> None:
    response = post(linear, org.key, "{ issues(first: 250) { nodes { id labels { nodes { id } } } } }")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INPUT_ERROR"
    assert re.fullmatch(
        r"The query is too complex\. Complexity: \d+\. Maximum allowed complexity: 10000\.",
        error["extensions"]["userPresentableMessage"],
    )
    assert response.headers["X-Complexity"] == "14276"


def test_rate_limit_status_reports_both_budgets(linear: LinearEmulator, org: Org) -> None:
    linear.reset(limits=RateLimits(requests=10, complexity=1_000))
    query = """{ rateLimitStatus { kind limits {
        type allowedAmount remainingAmount requestedAmount period reset } } }"""
    status = call(linear, org.key, query)["rateLimitStatus"]
    assert status["kind"] == "api key"
    limits = {limit["type"]: limit for limit in status["limits"]}
    assert limits["requestLimit"]["allowedAmount"] == 10
    assert limits["requestLimit"]["remainingAmount"] == 9
    assert limits["complexityLimit"]["allowedAmount"] == 1_000
    assert (
        limits["complexityLimit"]["requestedAmount"]
        == limits["complexityLimit"]["allowedAmount"] - (limits["complexityLimit"]["remainingAmount"])
    )
    assert limits["requestLimit"]["period"] == 3_600_000


# -- the shared fault knobs --------------------------------------------------------------------------------


def test_an_injected_rate_limit_looks_like_linears(linear: LinearEmulator, org: Org) -> None:
    linear.faults.rate_limit_burst = 1
    linear.faults.retry_after = 7
    response = post(linear, org.key, VIEWER)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "RATELIMITED"
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-RateLimit-Requests-Remaining"] == "0"
    assert post(linear, org.key, VIEWER).status_code == 200


def test_gql_sees_an_injected_rate_limit_as_a_query_error(linear: LinearEmulator, org: Org) -> None:
    linear.faults.rate_limit_burst = 1
    client = linear.client(org.key)
    with pytest.raises(TransportQueryError) as raised:
        client.execute(gql(VIEWER))
    assert error_of(raised)["extensions"]["type"] == "ratelimited"
    assert client.transport.response_headers["X-RateLimit-Requests-Reset"]


@pytest.mark.parametrize("status", [502, 503, 504])
def test_an_edge_error_is_an_html_page(linear: LinearEmulator, org: Org, status: int) -> None:
    linear.faults.error_burst = 1
    linear.faults.error_status = status
    with pytest.raises(TransportServerError) as raised:
        call(linear, org.key, VIEWER)
    assert raised.value.code == status
    linear.faults.error_burst = 1
    response = post(linear, org.key, VIEWER)
    assert response.headers["Content-Type"] == "text/html"
    assert str(status) in response.text


def test_an_internal_error_is_a_graphql_error(linear: LinearEmulator, org: Org) -> None:
    linear.faults.error_burst = 1
    linear.faults.error_status = 500
    response = post(linear, org.key, VIEWER)
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


def test_a_dropped_connection_still_applies_the_write(linear: LinearEmulator, org: Org) -> None:
    linear.faults.drop_burst = 1
    with pytest.raises(TransportConnectionFailed):
        call(linear, org.key, ADD_LABEL, id=org.issues[0].id, label=org.bug.id)
    assert org.ws.issue_labels(org.issues[0]) == ("bug",)
    assert call(linear, org.key, ADD_LABEL, id=org.issues[0].id, label=org.bug.id)["issueAddLabel"]["success"]
    assert org.ws.issue_labels(org.issues[0]) == ("bug",)


def test_every_nth_request_is_faulted(linear: LinearEmulator, org: Org) -> None:
    linear.faults.rate_limit_every = 2
    statuses = [post(linear, org.key, VIEWER).status_code for _ in range(4)]
    assert statuses == [200, 400, 200, 400]
    linear.faults.reset()
    linear.faults.error_every = 3
    statuses = [post(linear, org.key, VIEWER).status_code for _ in range(3)]
    assert statuses == [200, 200, 503]
    linear.faults.reset()
    linear.faults.drop_every = 2
    assert post(linear, org.key, VIEWER).status_code == 200
    with pytest.raises(requests.exceptions.RequestException):
        post(linear, org.key, VIEWER)


def test_latency_slows_every_answer(linear: LinearEmulator, org: Org) -> None:
    linear.faults.latency = 0.2
    started = time.monotonic()
    post(linear, org.key, VIEWER)
    assert time.monotonic() - started >= 0.2


def test_the_path_filter_sees_the_operation(linear: LinearEmulator, org: Org) -> None:
    linear.faults.paths = "mutation"
    linear.faults.error_every = 1
    assert post(linear, org.key, VIEWER).status_code == 200
    assert post(linear, org.key, ADD_LABEL, id=org.issues[0].id, label=org.bug.id).status_code == 503
    linear.faults.paths = "issueAddLabel|commentCreate"
    assert post(linear, org.key, ISSUES).status_code == 200
    assert post(linear, org.key, ADD_LABEL, id=org.issues[0].id, label=org.bug.id).status_code == 503


# -- counters -----------------------------------------------------------------------------------------------


def test_requests_are_counted_per_root_field(linear: LinearEmulator, org: Org) -> None:
    call(linear, org.key, ISSUES)
    call(linear, org.key, ISSUES)
    call(linear, org.key, "{ viewer { id } organization { id } }")
    call(linear, org.key, ADD_LABEL, id=org.issues[0].id, label=org.bug.id)
    linear.faults.rate_limit_burst = 1
    post(linear, org.key, ISSUES)
    post(linear, None, VIEWER)
    counts = linear.log.by_endpoint()
    assert counts == {"issues": 3, "viewer,organization": 1, "issueAddLabel": 1, "viewer": 1}
    assert linear.log.count("issues", faulted=True) == 1
    assert linear.log.count(status=401) == 1
    assert linear.log.count(method="POST") == 6
    assert {r.path for r in linear.log.records()} == {"/graphql"}
