"""Writes with several requests in flight stay within the trackers' rate limits, over real HTTP.

Each emulator enforces a small budget. The connectors read what is left from the answers' headers and
wait instead of tripping it: no 429 from Jira, no ``RATELIMITED`` from Linear, and every write lands.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from syncd.connectors.jira import JiraConnector
from syncd.connectors.linear import LinearConnector
from syncd.model import LabelOp, WorkItem
from syncd.retry import CallStats, RetryPolicy
from syncd.sandbox.clock import Clock
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.ratelimit import JiraRateLimits
from syncd.sandbox.linear import RateLimits
from syncd.settings import JiraSite, load_settings
from syncd.strategy import LabelScheme, load_strategy
from tests.integration.harness import LinearHarness
from tests.sandbox.jira_openapi import validate_exchanges

ISSUES = 40
IN_FLIGHT = 4


@pytest.fixture
def jira() -> Iterator[JiraEmulator]:
    with JiraEmulator("cloud", rate_limits=JiraRateLimits(capacity=10, per_second=5.0)) as emulator:
        emulator.store.create_project("GROW", "Growth")
        for number in range(1, ISSUES + 1):
            emulator.store.create_issue("GROW", f"Issue {number}", labels=["person"])
        yield emulator
        validate_exchanges(emulator.log.records())


def test_jira_edits_in_flight_never_trip_the_burst_limit(jira: JiraEmulator) -> None:
    user = jira.store.create_user(display_name="Sync", email="sync@example.com", token="sync-token", bulk_change=False)
    settings = JiraSite(  # type: ignore[call-arg]
        url=jira.url, allow_insecure_http=True, email=user.email, api_token=user.token, concurrency=IN_FLIGHT
    )
    connector = JiraConnector("jira.acme", settings, LabelScheme(), policy=RetryPolicy(), stats=CallStats())
    ops = [
        LabelOp("jira.acme", str(jira.store.issue(f"GROW-{n}").id), f"GROW-{n}", frozenset({f"objective:o{n}"}))
        for n in range(1, ISSUES + 1)
    ]
    try:
        results = list(connector.apply(ops))
    finally:
        connector.close()

    assert [r.error for r in results] == [None] * ISSUES
    assert {r.op.key for r in results} == {op.key for op in ops}
    assert jira.log.count("issue_edit") == ISSUES, "not one edit sent twice"
    assert jira.log.count(status=429) == 0
    assert all(set(jira.store.labels(f"GROW-{n}")) == {"person", f"objective:o{n}"} for n in range(1, ISSUES + 1))


@dataclass(frozen=True)
class _EmulatedWait(RetryPolicy):
    """Waits by moving the emulator's clock on, so an hour's refill of Linear's budget takes no time."""

    clock: Clock = field(default_factory=Clock, compare=False)

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds)


@pytest.fixture
def linear() -> Iterator[LinearHarness]:
    with LinearHarness() as harness:
        yield harness


def test_linear_batches_in_flight_wait_for_the_hourly_budget(tmp_path: Path, linear: LinearHarness) -> None:
    settings = load_settings(linear.settings_file(tmp_path))
    workspace = settings.linear["acme"].model_copy(update={"concurrency": IN_FLIGHT})
    policy = _EmulatedWait(clock=linear.emulator.clock)
    scheme = load_strategy(settings.strategy).labels
    connector = LinearConnector("linear.acme", workspace, scheme, policy=policy, stats=CallStats())
    try:
        items = [i for i in connector.pull(None) if isinstance(i, WorkItem)]
        linear.emulator.reset(limits=RateLimits(requests=4, complexity=10**9))
        connector.whoami()
        before = linear.emulator.clock.now_ms()
        ops = [LabelOp("linear.acme", i.id, i.key, frozenset({f"value:v{n}"})) for n, i in enumerate(items)]
        results = list(connector.apply(ops))
    finally:
        connector.close()

    assert len(items) >= 8, "enough batches to outrun a budget of three requests"
    assert [r.error for r in results] == [None] * len(items)
    refused = [r for r in linear.log.records() if b"RATELIMITED" in r.response]
    assert refused == []
    assert linear.emulator.clock.now_ms() - before >= (len(items) - 3) * 3_600_000 / 3 * 0.9, "it waited"
    labels = linear.labels()
    assert all(f"value:v{n}" in labels[i.key] for n, i in enumerate(items))
