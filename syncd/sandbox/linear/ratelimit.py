"""Linear's rate limits: a request budget and a complexity budget per API key, as leaky buckets.

Linear refills each bucket at a constant ``LIMIT / PERIOD`` and answers a request that does not fit
with a ``RATELIMITED`` error (HTTP 400). Every answer carries the budgets in headers, resets in epoch
milliseconds (the time the bucket is full again):

* ``X-RateLimit-Requests-Limit`` / ``-Remaining`` / ``-Reset``
* ``X-RateLimit-Complexity-Limit`` / ``-Remaining`` / ``-Reset``
* ``X-Complexity``: what this query cost.

The defaults are Linear's published limits for a personal API key, 2,500 requests and 3,000,000
complexity points an hour (https://linear.app/developers/rate-limiting; earlier versions of that page
gave 5,000 requests and 250,000 points). Tests pass small ones to run out fast.
Time comes from the emulator's clock, so a frozen clock never refills by itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["BucketState", "RateDecision", "RateLimiter", "RateLimits"]

HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Budgets per API key.

    Attributes:
        requests: requests per ``period_ms``.
        complexity: complexity points per ``period_ms``.
        period_ms: the refill period.
        max_query_complexity: the most one query may cost; beyond it the query is refused outright.
    """

    requests: int = 2_500
    complexity: int = 3_000_000
    period_ms: int = HOUR_MS
    max_query_complexity: int = 10_000


@dataclass(frozen=True, slots=True)
class BucketState:
    """One budget after a request, as the headers and ``rateLimitStatus`` report it."""

    limit: int
    remaining: int
    reset_ms: int
    requested: int
    period_ms: int


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    requests: BucketState
    complexity: BucketState

    def headers(self, complexity: int) -> dict[str, str]:
        """The rate-limit headers of a response."""
        return {
            "X-RateLimit-Requests-Limit": str(self.requests.limit),
            "X-RateLimit-Requests-Remaining": str(self.requests.remaining),
            "X-RateLimit-Requests-Reset": str(self.requests.reset_ms),
            "X-RateLimit-Complexity-Limit": str(self.complexity.limit),
            "X-RateLimit-Complexity-Remaining": str(self.complexity.remaining),
            "X-RateLimit-Complexity-Reset": str(self.complexity.reset_ms),
            "X-Complexity": str(complexity),
        }


class _Bucket:
    def __init__(self, capacity: int, period_ms: int, now_ms: int) -> None:
        self.capacity = capacity
        self.period_ms = period_ms
        self.level = float(capacity)
        self.at = now_ms

    def _refill(self, now_ms: int) -> None:
        if now_ms > self.at:
            self.level = min(self.capacity, self.level + (now_ms - self.at) * self.capacity / self.period_ms)
        self.at = max(self.at, now_ms)

    def fits(self, amount: int, now_ms: int) -> bool:
        self._refill(now_ms)
        return self.level >= amount

    def take(self, amount: int) -> None:
        self.level -= amount

    def state(self, requested: int) -> BucketState:
        missing = self.capacity - self.level
        reset = self.at + int(-(-missing * self.period_ms // self.capacity)) if missing > 0 else self.at
        return BucketState(self.capacity, max(0, int(self.level)), reset, requested, self.period_ms)


class RateLimiter:
    """The buckets of every API key."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self._lock = threading.Lock()
        self._limits = limits or RateLimits()
        self._buckets: dict[str, tuple[_Bucket, _Bucket]] = {}

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def configure(self, limits: RateLimits) -> None:
        """Switch to new budgets; every key starts again with full buckets."""
        with self._lock:
            self._limits = limits
            self._buckets.clear()

    def reset(self) -> None:
        """Refill every bucket."""
        with self._lock:
            self._buckets.clear()

    def _pair(self, key: str, now_ms: int) -> tuple[_Bucket, _Bucket]:
        pair = self._buckets.get(key)
        if pair is None:
            limits = self._limits
            pair = (
                _Bucket(limits.requests, limits.period_ms, now_ms),
                _Bucket(limits.complexity, limits.period_ms, now_ms),
            )
            self._buckets[key] = pair
        return pair

    def spend(self, key: str, complexity: int, now_ms: int) -> RateDecision:
        """Charge one request of ``complexity`` points to ``key`` if both budgets allow it."""
        with self._lock:
            requests, points = self._pair(key, now_ms)
            allowed = requests.fits(1, now_ms) and points.fits(complexity, now_ms)
            if allowed:
                requests.take(1)
                points.take(complexity)
            return RateDecision(allowed, requests.state(1), points.state(complexity))

    def peek(self, key: str, now_ms: int) -> RateDecision:
        """The budgets of ``key`` without charging anything."""
        with self._lock:
            requests, points = self._pair(key, now_ms)
            requests.fits(0, now_ms)
            points.fits(0, now_ms)
            return RateDecision(True, requests.state(0), points.state(0))
