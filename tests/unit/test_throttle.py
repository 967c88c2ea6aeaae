"""Pacing by the trackers' rate-limit headers: Jira's burst budget and Linear's hourly leaky buckets."""

from __future__ import annotations

import threading
import time

import pytest

from syncd.connectors.throttle import HOUR, Throttle, jira_budget, jira_scope, linear_budget


def _heard(throttle: Throttle, scope: str, headers: dict[str, str]) -> None:
    """A request of ``scope`` answered with ``headers``."""
    with throttle.turn(scope) as ticket:
        throttle.observe(scope, headers, ticket=ticket)


def _jira(remaining: int, limit: int = 100, near: bool | None = None) -> dict[str, str]:
    headers = {"X-RateLimit-Remaining": str(remaining), "X-RateLimit-Limit": str(limit)}
    if near is not None:
        headers["X-RateLimit-NearLimit"] = "true" if near else "false"
    return headers


def _linear(
    requests: int, points: int, cost: int = 10, limit: int = 2500, points_limit: int = 3_000_000
) -> dict[str, str]:
    return {
        "X-RateLimit-Requests-Limit": str(limit),
        "X-RateLimit-Requests-Remaining": str(requests),
        "X-RateLimit-Complexity-Limit": str(points_limit),
        "X-RateLimit-Complexity-Remaining": str(points),
        "X-Complexity": str(cost),
    }


class _Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("get", "issue/ENG-12", "GET issue/{}"),
        ("PUT", "issue/10001", "PUT issue/{}"),
        ("GET", "issue/ENG-12/comment", "GET issue/{}/comment"),
        ("POST", "search/jql", "POST search/jql"),
        ("GET", "bulk/queue/4f2a9c", "GET bulk/queue/{}"),
    ],
)
def test_jira_scopes_are_the_method_and_the_endpoint(method: str, path: str, scope: str) -> None:
    assert jira_scope(method, path) == scope


def test_jira_budget_reads_the_headers_and_marks_the_last_fifth_near() -> None:
    assert jira_budget({}) is None
    assert jira_budget(_jira(50)) is not None
    assert not jira_budget(_jira(50)).near
    assert jira_budget(_jira(19)).near  # type: ignore[union-attr]
    assert jira_budget(_jira(90, near=True)).near  # type: ignore[union-attr]
    assert jira_budget({"X-RateLimit-Remaining": "x", "X-RateLimit-Limit": "100"}) is None


def test_linear_budget_refills_the_hourly_limit_evenly() -> None:
    budget = linear_budget(_linear(10, 500, cost=7))
    assert budget is not None
    assert budget.per_second == pytest.approx(2500 / HOUR)
    assert budget.points == (500, pytest.approx(3_000_000 / HOUR), 7)


def test_an_unknown_scope_or_an_answer_without_headers_is_not_paced() -> None:
    sleeps = _Sleeps()
    throttle = Throttle(jira_budget, sleep=sleeps)
    with throttle.turn("GET issue/{}"):
        pass
    _heard(throttle, "GET issue/{}", {"Content-Type": "application/json"})
    with throttle.turn("GET issue/{}"):
        pass
    assert sleeps.waits == []


def test_jira_with_budget_left_is_not_paced_and_with_none_left_waits_a_second() -> None:
    sleeps = _Sleeps()
    throttle = Throttle(jira_budget, sleep=sleeps)
    _heard(throttle, "POST search/jql", _jira(60))
    with throttle.turn("POST search/jql"):
        pass
    _heard(throttle, "POST search/jql", _jira(0))
    with throttle.turn("POST search/jql"):
        pass
    assert sleeps.waits == [1.0]
    _heard(throttle, "GET bulk/queue/{}", _jira(60))
    with throttle.turn("GET bulk/queue/{}"):
        pass
    assert sleeps.waits == [1.0]


def test_jira_near_the_limit_sends_one_request_of_the_scope_at_a_time() -> None:
    throttle = Throttle(jira_budget, sleep=lambda _: None)
    _heard(throttle, "PUT issue/{}", _jira(10, near=True))
    lock = threading.Lock()
    running = [0, 0]

    def send() -> None:
        with throttle.turn("PUT issue/{}"):
            with lock:
                running[0] += 1
                running[1] = max(running[1], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running[1] == 1


def test_linear_waits_until_the_requests_in_flight_and_the_next_fit_the_budget() -> None:
    sleeps = _Sleeps()
    throttle = Throttle(linear_budget, sleep=sleeps)
    _heard(throttle, "api key", _linear(requests=1, points=100_000))
    with throttle.turn("api key"), throttle.turn("api key"):
        pass
    per_request = HOUR / 2500
    assert sleeps.waits == [pytest.approx(per_request)]


def test_linear_waits_for_complexity_points_too() -> None:
    sleeps = _Sleeps()
    throttle = Throttle(linear_budget, sleep=sleeps)
    _heard(throttle, "api key", _linear(requests=2000, points=1000, cost=3000))
    with throttle.turn("api key"):
        pass
    assert sleeps.waits == [pytest.approx(2000 / (3_000_000 / HOUR))]
    assert throttle.waited == pytest.approx(sleeps.waits[0])


_EDIT = "PUT issue/{}"


def _two_in_flight(sleeps: _Sleeps, *answers: tuple[str, int]) -> Throttle:
    """Two edits in flight at once, answered in the order of ``answers`` (``early`` or ``late``: which of
    the two requests, and the budget its answer tells)."""
    throttle = Throttle(jira_budget, sleep=sleeps)
    _heard(throttle, _EDIT, _jira(60))
    with throttle.turn(_EDIT) as early, throttle.turn(_EDIT) as late:
        assert early < late
        for which, remaining in answers:
            throttle.observe(_EDIT, _jira(remaining), ticket=early if which == "early" else late)
    return throttle


def test_an_answer_overtaken_by_a_later_requests_answer_is_stale() -> None:
    sleeps = _Sleeps()
    throttle = _two_in_flight(sleeps, ("late", 0), ("early", 59))
    with throttle.turn(_EDIT):
        pass
    assert sleeps.waits == [1.0], "the later request's answer, nothing left, stands"


def test_a_request_sent_earlier_may_reach_the_tracker_later_and_stays_counted_until_proven() -> None:
    """Two requests in flight over two connections: the one sent later reached the tracker first (2 left),
    the earlier one after it (1 left) yet was answered first. The later answer's budget stands, and it does
    not count the earlier request: one more request fits, the next waits."""
    sleeps = _Sleeps()
    throttle = _two_in_flight(sleeps, ("early", 1), ("late", 2))
    with throttle.turn(_EDIT):
        pass
    assert sleeps.waits == []
    with throttle.turn(_EDIT):
        pass
    assert sleeps.waits == [1.0]


def test_a_request_that_failed_without_an_answer_is_counted_until_a_later_answer() -> None:
    sleeps = _Sleeps()
    throttle = Throttle(jira_budget, sleep=sleeps)
    _heard(throttle, "GET myself", _jira(1))
    with pytest.raises(ConnectionError), throttle.turn("GET myself"):
        raise ConnectionError
    with throttle.turn("GET myself") as ticket:
        throttle.observe("GET myself", _jira(1), ticket=ticket)
    with throttle.turn("GET myself"):
        pass
    assert sleeps.waits == [1.0], "the failed request used the last one; the answer after it counts it"
