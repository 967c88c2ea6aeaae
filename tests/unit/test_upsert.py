"""The comment upsert by marker, and the request runner, over plain callables (no tracker)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from syncd.connectors.runner import RequestRunner
from syncd.connectors.upsert import Comment, comment_text, marked, upsert_by_marker
from syncd.errors import AuthError, NotFound, TrackerError, TransientError
from syncd.retry import CallStats, RetryPolicy

REPORT = "syncd:report:jira.acme"


class Thread:
    """An issue's comments in a list, with every step the upsert took."""

    def __init__(self, *bodies: Any) -> None:
        self.bodies = {str(n): body for n, body in enumerate(bodies, 1)}
        self.steps: list[str] = []

    def edit(self, comment_id: str, body: Any) -> None:
        self.steps.append(f"edit {comment_id}")
        if comment_id not in self.bodies:
            raise NotFound("gone", status=404)
        self.bodies[comment_id] = body

    def comments(self) -> Iterator[Comment]:
        for comment_id, body in self.bodies.items():
            self.steps.append(f"read {comment_id}")
            yield Comment(comment_id, comment_text(body))

    def create(self, body: Any) -> str:
        new = str(len(self.bodies) + 1)
        self.steps.append(f"create {new}")
        self.bodies[new] = body
        return new


def test_marked_matches_whole_markers_only_and_stops_at_the_first() -> None:
    comments = [Comment("1", f"{REPORT}:2026-q1 period"), Comment("2", f"x {REPORT}"), Comment("3", REPORT)]
    assert marked(comments, REPORT) == "2"
    assert marked(comments, f"{REPORT}:2026-q1") == "1"
    assert marked([], REPORT) is None


def test_structured_bodies_are_searched_as_json() -> None:
    adf = {"type": "doc", "content": [{"type": "text", "text": REPORT}]}
    assert marked([Comment("9", comment_text(adf))], REPORT) == "9"
    assert comment_text(None) == ""


def test_the_remembered_comment_is_edited_without_reading_the_thread() -> None:
    thread = Thread("a person's", f"old {REPORT}")
    assert upsert_by_marker(thread, marker=REPORT, body=f"new {REPORT}", remembered="2") == "2"
    assert thread.steps == ["edit 2"]


def test_a_lost_id_finds_the_comment_by_marker_and_never_duplicates() -> None:
    thread = Thread("a person's", f"old {REPORT}", f"later {REPORT}")
    assert upsert_by_marker(thread, marker=REPORT, body=f"new {REPORT}", remembered="7") == "2"
    assert thread.steps == ["edit 7", "read 1", "read 2", "edit 2"], "reading stops at the first match"
    assert upsert_by_marker(thread, marker=REPORT, body=f"again {REPORT}", remembered=None) == "2"
    assert len(thread.bodies) == 3


def test_a_comment_is_created_only_when_none_holds_the_marker() -> None:
    thread = Thread(f"{REPORT}:2026-q1")
    assert upsert_by_marker(thread, marker=REPORT, body=REPORT, remembered=None) == "2"
    assert thread.steps == ["read 1", "create 2"]


def runner(stats: CallStats, *, prepare: Any = None) -> RequestRunner:
    def translate(error: Exception, *, what: str, issue: str) -> TrackerError | None:
        if isinstance(error, ConnectionError):
            return TransientError(f"{what}: dropped", tracker="t", issue=issue)
        if isinstance(error, PermissionError):
            return AuthError("refused", tracker="t", status=401)
        return None

    policy = RetryPolicy(max_attempts=3, base_wait=0.0)
    return RequestRunner(tracker="t", policy=policy, stats=stats, translate=translate, prepare=prepare, answers="T")


def test_the_runner_counts_translates_records_and_retries() -> None:
    stats = CallStats()
    run = runner(stats)
    answers: list[Any] = [ConnectionError(), {"ok": 1}]

    def send() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert run.call("page", send) == {"ok": 1}
    assert run.sent == 2
    assert stats.requests == {("t", "network"): 1, ("t", "ok"): 1}
    assert stats.counts == {("t", "transient"): 1}


def test_the_runner_never_retries_a_refusal_and_raises_foreign_errors_unrecorded() -> None:
    stats = CallStats()
    run = runner(stats)

    def refused() -> Any:
        raise PermissionError

    with pytest.raises(AuthError):
        run.call("who am I", refused)
    assert run.sent == 1

    def broken() -> Any:
        raise KeyError("a bug, not an answer")

    with pytest.raises(KeyError):
        run.call("page", broken)
    assert run.sent == 2
    assert stats.requests == {("t", "client_error"): 1}


def test_an_answer_of_the_wrong_shape_is_transient_and_a_check_runs_after_recording() -> None:
    stats = CallStats()
    run = runner(stats)
    with pytest.raises(TransientError, match="page: the answer was not of T's shape"):
        run.call("page", lambda: ["a", "proxy", "page"], shape=dict, retry=False)
    seen: list[Any] = []
    assert run.call("page", lambda: {"n": 1}, check=seen.append) == {"n": 1}
    assert seen == [{"n": 1}]
    assert stats.requests == {("t", "network"): 1, ("t", "ok"): 1}


def test_prepare_runs_before_each_attempt_and_may_refuse_before_counting() -> None:
    def no_key() -> None:
        raise AuthError("no key", tracker="t")

    run = runner(CallStats(), prepare=no_key)
    with pytest.raises(AuthError, match="no key"):
        run.call("who am I", dict)
    assert run.sent == 0
