"""The emulators' realism knobs: a round trip's latency with jitter, and Jira Cloud's burst limit."""

from __future__ import annotations

import time

import pytest

from syncd.sandbox.__main__ import main as sandbox_main
from syncd.sandbox.faults import Faults
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.ratelimit import JiraRateLimiter, JiraRateLimits
from syncd.sandbox.linear import LinearEmulator

from .jira_support import api_session, serving


def test_the_burst_limit_is_off_unless_asked_for() -> None:
    with serving("cloud") as site:
        session = api_session(site)
        answers = [session.get(f"{site.url}/rest/api/3/myself") for _ in range(30)]

    assert {a.status_code for a in answers} == {200}
    assert "X-RateLimit-Remaining" not in answers[0].headers


def test_past_the_burst_limit_jira_answers_429_with_atlassians_headers() -> None:
    with serving("cloud", rate_limits=JiraRateLimits(capacity=5, per_second=0.5)) as site:
        session = api_session(site)
        answers = [session.get(f"{site.url}/rest/api/3/myself") for _ in range(6)]
        other = session.get(f"{site.url}/rest/api/3/serverInfo")

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    first, last_allowed, refused = answers[0].headers, answers[4].headers, answers[5].headers
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"], first["X-RateLimit-NearLimit"]) == (
        "5",
        "4",
        "false",
    )
    assert (last_allowed["X-RateLimit-Remaining"], last_allowed["X-RateLimit-NearLimit"]) == ("0", "true")
    assert refused["Retry-After"] == "2"
    assert refused["RateLimit-Reason"] == "jira-burst-based"
    assert refused["X-RateLimit-Reset"].endswith("Z")
    assert answers[5].json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert other.status_code == 200, "each endpoint and method has its own bucket"


def test_the_bucket_refills_at_its_rate() -> None:
    now = [100.0]
    limiter = JiraRateLimiter(JiraRateLimits(capacity=2, per_second=4.0), clock=lambda: now[0])

    assert [limiter.take("GET myself").allowed for _ in range(3)] == [True, True, False]
    assert limiter.take("GET myself").retry_after == pytest.approx(0.25)
    now[0] += 0.25
    assert limiter.take("GET myself").allowed
    assert not limiter.take("GET myself").allowed


def test_jitter_spreads_latency_around_its_mean_and_never_below_zero() -> None:
    faults = Faults(latency=0.1, jitter=0.05)
    delays = [faults.delay("GET /x") for _ in range(400)]

    assert min(delays) >= 0.05
    assert max(delays) <= 0.15
    assert len({round(d, 4) for d in delays}) > 100
    assert min(Faults(latency=0.01, jitter=0.05).delay("GET /x") for _ in range(200)) == 0.0


def test_emulators_take_a_latency_from_their_constructor() -> None:
    with JiraEmulator("cloud", latency=0.12, jitter=0.01) as site:
        started = time.perf_counter()
        api_session(site).get(f"{site.url}/rest/api/3/serverInfo")
        assert time.perf_counter() - started >= 0.11
    linear = LinearEmulator(latency=0.2, jitter=0.02)
    assert (linear.faults.latency, linear.faults.jitter) == (0.2, 0.02)


def test_the_command_line_refuses_a_negative_latency() -> None:
    with pytest.raises(SystemExit, match="must not be negative"):
        sandbox_main(["jira", "--port", "0", "--latency", "-5"])
