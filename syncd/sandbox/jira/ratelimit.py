"""Jira Cloud's burst rate limit: a token bucket per endpoint and HTTP method, with Atlassian's headers.

Jira Cloud applies a per-second burst limit whose scope is "one tenant, one endpoint, one HTTP method"
(``RateLimit-Reason: jira-burst-based``) and answers a request past it with 429, ``Retry-After`` in whole
seconds, ``X-RateLimit-Reset`` (ISO 8601, minute precision), ``X-RateLimit-Limit``,
``X-RateLimit-Remaining``, ``X-RateLimit-NearLimit`` (``true`` when less than a fifth of the budget is
left) and ``RateLimit-Reason``; the limit headers come with every answer, not only the 429s, so a client
can pace itself before it trips:
https://developer.atlassian.com/cloud/jira/platform/rate-limiting/ and
https://developer.atlassian.com/cloud/jira/platform/build-an-app-that-respects-rate-limits/

The limiter is off unless the emulator is given :class:`JiraRateLimits`, so tests that count requests are
not refused by surprise. Time is the process's monotonic clock (an injected callable in tests): the
burst limit is about the real rate of requests, not the site's possibly frozen calendar.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from syncd.sandbox.jira.responses import error, reset_at
from syncd.sandbox.server import Response

__all__ = ["BURST_REASON", "JiraRateLimiter", "JiraRateLimits", "RateVerdict"]

BURST_REASON = "jira-burst-based"
_NEAR_LIMIT = 0.2


@dataclass(frozen=True, slots=True)
class JiraRateLimits:
    """The burst budget of each endpoint and method.

    Attributes:
        capacity: requests that may arrive at once (the bucket's size, ``X-RateLimit-Limit``).
        per_second: the rate the bucket refills at, requests per second.
    """

    capacity: int = 100
    per_second: float = 10.0

    def __post_init__(self) -> None:
        if self.capacity < 1 or self.per_second <= 0:
            raise ValueError("a rate limit needs a capacity of at least 1 and a positive refill rate")


@dataclass(frozen=True, slots=True)
class RateVerdict:
    """One request's turn at its bucket: whether it may go on, what is left, and how long to wait."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: float

    def headers(self) -> dict[str, str]:
        """The limit headers every answer carries."""
        near = self.remaining < self.limit * _NEAR_LIMIT
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-NearLimit": "true" if near else "false",
        }

    def refusal(self) -> Response:
        """The 429 answering a request past the limit."""
        headers = self.headers()
        headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        headers["X-RateLimit-Reset"] = reset_at(self.retry_after)
        headers["RateLimit-Reason"] = BURST_REASON
        return error(429, ["Rate limit exceeded."], headers=headers)


class JiraRateLimiter:
    """Token buckets by ``"METHOD endpoint"``, refilled continuously."""

    def __init__(self, limits: JiraRateLimits, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, scope: str) -> RateVerdict:
        """Spend one token of ``scope``'s bucket if there is one."""
        capacity, rate = self.limits.capacity, self.limits.per_second
        with self._lock:
            now = self._clock()
            level, at = self._buckets.get(scope, (float(capacity), now))
            level = min(float(capacity), level + (now - at) * rate)
            allowed = level >= 1.0
            if allowed:
                level -= 1.0
            self._buckets[scope] = (level, now)
        wait = 0.0 if allowed else (1.0 - level) / rate
        return RateVerdict(allowed=allowed, limit=capacity, remaining=int(level), retry_after=wait)
