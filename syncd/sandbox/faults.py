"""Fault injection shared by the tracker emulators.

The emulators must misbehave the way real trackers do so that syncd's retry, outbox and cursor logic is
exercised over real HTTP. This module decides *which* fault a request suffers; each emulator renders it
in its tracker's own shape (Jira answers 429 with ``errorMessages``, Linear answers HTTP 400 with a
``RATELIMITED`` GraphQL error), so there is one fault layer, not one per emulator.

Knobs are plain attributes of :class:`Faults`, changed by tests between or during syncs. Every decision
is taken under one lock so a burst of N faults hits exactly N requests even with concurrent clients.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["Fault", "FaultKind", "Faults"]


class FaultKind(Enum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    DROP = "drop"
    LANDED_ERROR = "landed_error"


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure.

    Attributes:
        kind: what goes wrong.
        status: the HTTP status for ``SERVER_ERROR`` and ``LANDED_ERROR`` (500, 502, 503, 504).
        retry_after: seconds for a ``Retry-After`` header, or None to send none.
    """

    kind: FaultKind
    status: int = 0
    retry_after: float | None = None


@dataclass
class Faults:
    """Fault knobs of one emulator.

    Each knob has an *every* form (every Nth matching request) and a *burst* form (the next N matching
    requests). ``paths`` limits faults to request paths matching a regular expression, so a test can
    storm the writes while reads pass, or the reverse.

    Attributes:
        rate_limit_every: every Nth request is rate limited.
        rate_limit_burst: the next N requests are rate limited.
        retry_after: Retry-After seconds sent with rate limits (None: no header).
        error_every: every Nth request fails with ``error_status``.
        error_burst: the next N requests fail with ``error_status``.
        error_status: the 5xx status of injected server errors.
        drop_every: every Nth request has its connection dropped mid-response.
        drop_burst: the next N requests have their connection dropped mid-response.
        latency: seconds added before every response (to matching paths only).
        slow_burst: the next N requests are held ``slow_seconds`` (beyond a client's timeout, say).
        slow_seconds: how long a request of a slow burst is held.
        repeat_cursor_burst: the next N pages that have a following page name the page just served as the
            next one (Jira's ``nextPageToken``, Linear's ``endCursor``): a server bug a client must survive.
        landed_error_burst: the next N requests are carried out (a write lands) and then answered with
            ``landed_error_status``: a gateway that gave up on a tracker that went on working.
        landed_error_status: the 5xx status answered after a request was carried out.
        paths: a regular expression the request's fault target must match to be faulted or delayed (None:
            all). The target is ``METHOD /path`` (``PUT /rest/api/3/issue/10001``), or for GraphQL
            ``/graphql/<query|mutation>/<root fields>``.
    """

    rate_limit_every: int | None = None
    rate_limit_burst: int = 0
    retry_after: float | None = 1.0
    error_every: int | None = None
    error_burst: int = 0
    error_status: int = 503
    drop_every: int | None = None
    drop_burst: int = 0
    latency: float = 0.0
    slow_burst: int = 0
    slow_seconds: float = 0.0
    repeat_cursor_burst: int = 0
    paths: str | None = None
    landed_error_burst: int = 0
    landed_error_status: int = 504
    _seen: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        """Switch every fault off."""
        with self._lock:
            self.rate_limit_every = None
            self.rate_limit_burst = 0
            self.retry_after = 1.0
            self.error_every = None
            self.error_burst = 0
            self.error_status = 503
            self.drop_every = None
            self.drop_burst = 0
            self.latency = 0.0
            self.slow_burst = 0
            self.slow_seconds = 0.0
            self.repeat_cursor_burst = 0
            self.paths = None
            self.landed_error_burst = 0
            self.landed_error_status = 504
            self._seen = 0

    def delay(self, path: str) -> float:
        """Seconds to hold the response to ``path``."""
        with self._lock:
            if self.paths is not None and not re.search(self.paths, path):
                return 0.0
            if self.slow_burst > 0:
                self.slow_burst -= 1
                return self.slow_seconds
            return max(self.latency, 0.0)

    def take_repeat_cursor(self) -> bool:
        """Whether this page should repeat its cursor (consumes one of the burst)."""
        with self._lock:
            if self.repeat_cursor_burst > 0:
                self.repeat_cursor_burst -= 1
                return True
            return False

    def decide(self, path: str) -> Fault | None:
        """Return the fault the request to ``path`` suffers, if any; counts the request."""
        with self._lock:
            if self.paths is not None and not re.search(self.paths, path):
                return None
            self._seen += 1
            if self.rate_limit_burst > 0:
                self.rate_limit_burst -= 1
                return Fault(FaultKind.RATE_LIMIT, status=429, retry_after=self.retry_after)
            if self.error_burst > 0:
                self.error_burst -= 1
                return Fault(FaultKind.SERVER_ERROR, status=self.error_status)
            if self.drop_burst > 0:
                self.drop_burst -= 1
                return Fault(FaultKind.DROP)
            if self.landed_error_burst > 0:
                self.landed_error_burst -= 1
                return Fault(FaultKind.LANDED_ERROR, status=self.landed_error_status)
            if _due(self.rate_limit_every, self._seen):
                return Fault(FaultKind.RATE_LIMIT, status=429, retry_after=self.retry_after)
            if _due(self.error_every, self._seen):
                return Fault(FaultKind.SERVER_ERROR, status=self.error_status)
            if _due(self.drop_every, self._seen):
                return Fault(FaultKind.DROP)
            return None


def _due(every: int | None, seen: int) -> bool:
    return every is not None and every > 0 and seen % every == 0
