"""Retry policies (tenacity): what is retried, how long to wait, and when to give up.

Only errors marked :class:`~syncd.errors.Retriable` are retried — rate limits, 5xx, timeouts, dropped
connections. A 400/401/403/404 is never retried: repeating it cannot help and would only spend the
tracker's rate limit. A rate limit that says when to come back (``Retry-After``, Linear's reset header)
is obeyed, capped by ``max_wait``; otherwise waits grow exponentially with full jitter so several syncd
instances do not retry in step. Attempts and a total deadline bound every call.

This module depends on :mod:`syncd.errors` only, never on a connector: connectors translate their
library's failures into the typed errors, and everything here works on those.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay

from syncd.errors import Cancelled, RateLimited, Retriable, TrackerError, TransientError
from syncd.logging import get_logger

__all__ = ["CallStats", "RetryBounds", "RetryPolicy", "call_with_retry"]

T = TypeVar("T")
_log = get_logger("syncd.retry")


@dataclass
class CallStats:
    """Requests by tracker and outcome, and retries by tracker and reason: the run summary and the metrics.

    Outcomes: ``ok``, ``rate_limited``, ``server_error``, ``client_error`` (4xx: auth, permission, not
    found, rejected), ``network`` (no answer: timeouts, resets, dropped connections).
    """

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, tracker: str, reason: str) -> None:
        with self._lock:
            self.counts[(tracker, reason)] += 1

    def record_request(self, tracker: str, error: BaseException | None) -> None:
        with self._lock:
            self.requests[(tracker, outcome_of(error))] += 1

    def total(self, tracker: str | None = None) -> int:
        with self._lock:
            return sum(n for (name, _), n in self.counts.items() if tracker is None or name == tracker)

    def snapshot(self) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
        """Copies of (requests, retries), for metrics."""
        with self._lock:
            return dict(self.requests), dict(self.counts)


def outcome_of(error: BaseException | None) -> str:
    """The outcome label of a request that ended with ``error`` (None: it succeeded)."""
    if error is None:
        return "ok"
    if isinstance(error, RateLimited):
        return "rate_limited"
    if isinstance(error, TransientError):
        return "server_error" if error.status is not None else "network"
    if isinstance(error, TrackerError):
        return "client_error"
    return "network"


class RetryBounds(Protocol):
    """How long to keep trying, as the settings' ``[retry]`` section says it."""

    @property
    def max_attempts(self) -> int: ...

    @property
    def max_wait(self) -> float: ...

    @property
    def deadline(self) -> float: ...


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds of retrying one call.

    Attributes:
        max_attempts: tries in all, the first included.
        max_wait: the longest single wait, even when a tracker asks for more.
        deadline: give up once this many seconds have passed since the first try.
        base_wait: the scale of the exponential backoff when the tracker does not say how long to wait.
        stop: set to cut a wait short (shutdown); the call then raises :class:`Cancelled`.
    """

    max_attempts: int = 6
    max_wait: float = 60.0
    deadline: float = 300.0
    base_wait: float = 0.5
    stop: threading.Event = field(default_factory=threading.Event, compare=False)

    @classmethod
    def configured(cls, bounds: RetryBounds, *, stop: threading.Event | None = None) -> RetryPolicy:
        """The policy of the settings' ``[retry]`` section, for every call to the trackers.

        Args:
            stop: the service's stop switch, so a shutdown cuts a retry's wait short.
        """
        return cls(
            max_attempts=bounds.max_attempts,
            max_wait=bounds.max_wait,
            deadline=bounds.deadline,
            stop=stop if stop is not None else threading.Event(),
        )

    def wait_for(self, state: RetryCallState) -> float:
        """Seconds to wait before the next try."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            asked = max(error.retry_after, 0.0)
            return min(asked + random.uniform(0, 0.1 * asked + 0.05), self.max_wait)  # noqa: S311
        ceiling = min(self.max_wait, self.base_wait * 2 ** (state.attempt_number - 1))
        return random.uniform(0, ceiling)  # noqa: S311

    def sleep(self, seconds: float) -> None:
        if self.stop.wait(seconds):
            raise Cancelled("shutting down: the retry was cancelled")


def call_with_retry(
    call: Callable[[], T],
    *,
    policy: RetryPolicy,
    tracker: str,
    what: str,
    stats: CallStats | None = None,
) -> T:
    """Run ``call``, retrying what is retriable within the policy; re-raises the last error.

    Args:
        call: the request, raising typed errors from :mod:`syncd.errors`.
        policy: attempts, waits and deadline.
        tracker: the tracker's name, for logs and counts.
        what: the request in words (``search page``, ``edit GROW-12``), for logs.
        stats: where retries are counted.
    """

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = "rate_limited" if isinstance(error, RateLimited) else "transient"
        wait = state.upcoming_sleep
        if stats is not None:
            stats.record(tracker, reason)
        _log.warning(
            "request.retry",
            tracker=tracker,
            request=what,
            attempt=state.attempt_number,
            wait=round(wait, 2),
            reason=reason,
            error=str(error),
        )

    retrying = Retrying(
        retry=retry_if_exception_type(Retriable),  # type: ignore[arg-type]
        wait=policy.wait_for,
        stop=stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.deadline),
        sleep=policy.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(call)
