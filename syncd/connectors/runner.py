"""One request wrapper for every connector: count, translate, record, retry.

Each request a connector sends goes through :meth:`RequestRunner.call`: it is counted (the connector's
``requests``), the client library's failure is turned into syncd's typed error by the tracker's own
mapper (``jira_errors``, ``linear_errors``), the outcome is recorded in :class:`~syncd.retry.CallStats`,
and what is retriable is retried under the :class:`~syncd.retry.RetryPolicy`. The connector gives only
what differs: how to send, and how its library fails.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Protocol, TypeVar

from syncd.errors import RateLimited, TrackerError, TransientError
from syncd.retry import CallStats, RetryPolicy, call_with_retry

__all__ = ["RequestRunner", "Translate"]

T = TypeVar("T")


class Translate(Protocol):
    """A tracker's mapper: the library's failure as syncd's typed error (None: not a tracker's failure,
    raised as it is and not recorded)."""

    def __call__(self, error: Exception, *, what: str, issue: str) -> TrackerError | None: ...


class RequestRunner:
    """Sends one tracker's requests.

    Args:
        tracker: the tracker's name, for errors, logs and counts.
        policy: the retry policy.
        stats: where requests and retries are recorded.
        translate: the tracker's error mapper.
        prepare: run before every attempt, before it is counted (opening a session, refusing to send
            without credentials).
        answers: whose answers these are, for the error about an answer of the wrong shape.
        slow_down: told the seconds a tracker's 429 asked to wait (at most the policy's longest wait), so that
            the connector's other requests in flight hold back too, not only the one refused.
    """

    def __init__(
        self,
        *,
        tracker: str,
        policy: RetryPolicy,
        stats: CallStats,
        translate: Translate,
        prepare: Callable[[], None] | None = None,
        answers: str = "the tracker",
        slow_down: Callable[[float], None] | None = None,
    ) -> None:
        self.tracker = tracker
        self.policy = policy
        self.stats = stats
        self.sent = 0
        self._counting = threading.Lock()
        self._translate = translate
        self._prepare = prepare
        self._answers = answers
        self._slow_down = slow_down

    def call(
        self,
        what: str,
        send: Callable[[], T],
        *,
        issue: str = "",
        retry: bool = True,
        shape: type | None = None,
        check: Callable[[T], None] | None = None,
    ) -> T:
        """``send``, counted, typed and recorded, retried unless ``retry`` is false.

        Args:
            what: the request in words (``search page``, ``edit GROW-12``).
            send: the request itself.
            issue: the issue it concerns, for errors.
            retry: false inside a larger retried step (a comment upsert retries as a whole).
            shape: the type an answer must have; another (a proxy's page) is a transient failure.
            check: a look at the answer once it is recorded (a page's cursor); what it raises is retried.
        """
        attempt = partial(self.once, what, send, issue=issue, shape=shape, check=check)
        return self.retried(what, attempt) if retry else attempt()

    def once(
        self,
        what: str,
        send: Callable[[], T],
        *,
        issue: str = "",
        shape: type | None = None,
        check: Callable[[T], None] | None = None,
    ) -> T:
        """One attempt of :meth:`call`."""
        if self._prepare is not None:
            self._prepare()
        with self._counting:
            self.sent += 1
        try:
            answer = send()
        except Exception as error:
            failure = self._translate(error, what=what, issue=issue)
            if failure is None:
                raise
            self.stats.record_request(self.tracker, failure)
            if isinstance(failure, RateLimited) and failure.retry_after and self._slow_down is not None:
                self._slow_down(min(failure.retry_after, self.policy.max_wait))
            raise failure from None
        if shape is not None and not isinstance(answer, shape):
            failure = TransientError(
                f"{what}: the answer was not of {self._answers}'s shape", tracker=self.tracker, issue=issue
            )
            self.stats.record_request(self.tracker, failure)
            raise failure
        self.stats.record_request(self.tracker, None)
        if check is not None:
            check(answer)
        return answer

    def retried(self, what: str, call: Callable[[], T]) -> T:
        """``call`` (made of attempts that are not retried themselves) retried as a whole."""
        return call_with_retry(call, policy=self.policy, tracker=self.tracker, what=what, stats=self.stats)
