"""Fault injection shared by the tracker emulators.

The emulators must misbehave the way real trackers do so that syncd's retry, outbox and cursor logic is
exercised over real HTTP. This module decides *which* fault a request suffers; each emulator renders it
in its tracker's own shape (Jira answers 429 with ``errorMessages``, Linear answers HTTP 400 with a
``RATELIMITED`` GraphQL error), so there is one fault layer, not one per emulator.

Knobs are plain attributes of :class:`Faults`, changed by tests between or during syncs. Every decision
is taken under one lock so a burst of N faults hits exactly N requests even with concurrent clients.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["Fault", "FaultKind", "Faults"]

_WRONG_SHAPE: dict[str, Any] = {"data": {}, "issues": "none", "values": None}


class FaultKind(Enum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    DROP = "drop"
    DRIP = "drip"
    ECHO = "echo"
    AUTH_REFUSED = "auth_refused"
    EMPTY = "empty"
    WRONG_SHAPE = "wrong_shape"
    REDIRECT = "redirect"
    OVERSIZE = "oversize"
    LANDED_ERROR = "landed_error"
    HOLD = "hold"


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure.

    Attributes:
        kind: what goes wrong.
        status: the HTTP status for ``SERVER_ERROR`` and ``LANDED_ERROR`` (500, 502, 503, 504).
        retry_after: seconds for a ``Retry-After`` header, or None to send none.
        seconds: how long a ``DRIP`` answer takes to send.
        size: the bytes of an ``OVERSIZE`` answer.
    """

    kind: FaultKind
    status: int = 0
    retry_after: float | None = None
    seconds: float = 0.0
    size: int = 0


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
        jitter: each response's latency varies uniformly by up to this many seconds either way (never
            below zero), as a real site's answers do.
        slow_burst: the next N requests are held ``slow_seconds`` (beyond a client's timeout, say).
        slow_seconds: how long a request of a slow burst is held.
        drip_burst: the next N answers are sent a few bytes at a time, spread over ``drip_seconds``, each
            piece soon after the last (so a client's per-read timeout never fires); the request is handled.
        drip_seconds: how long a dripped answer takes to send in all.
        echo_status: answer every request with this status and a plain-text body that repeats the
            request's credentials, as a badly configured gateway does (None: off): for the secrets audit.
        auth_refused_burst: the next N requests are refused as if their credentials were wrong (a token
            rotated, or revoked and restored, while syncd runs).
        empty_burst: the next N requests are answered 200 with an empty body (a proxy that lost it).
        wrong_shape_burst: the next N requests are answered ``wrong_shape_status`` with ``wrong_shape_body``,
            JSON of another shape than the API's.
        wrong_shape_status: the status of those answers (200: a page that is no page).
        wrong_shape_body: their JSON document.
        redirect_to: answer every request with a 302 to this base URL (another host: a login page, a moved
            site), keeping the path (None: off).
        oversize_burst: the next N requests are answered 200 with ``oversize_bytes`` of JSON-looking filler,
            without a ``Content-Length`` (the connection's end marks the body's), so only counting stops it.
        oversize_bytes: the size of such an answer.
        repeat_cursor_burst: the next N pages that have a following page name the page just served as the
            next one (Jira's ``nextPageToken``, Linear's ``endCursor``): a server bug a client must survive.
        landed_error_burst: the next N requests are carried out (a write lands) and then answered with
            ``landed_error_status``: a gateway that gave up on a tracker that went on working.
        landed_error_status: the 5xx status answered after a request was carried out.
        hold_after: once this many more matching requests have come, hold every further one
            ``hold_seconds`` and then drop its connection unhandled (None: off): a client stuck at a known
            point, for a test to kill it there.
        hold_seconds: how long a held request waits before its connection is dropped.
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
    jitter: float = 0.0
    slow_burst: int = 0
    slow_seconds: float = 0.0
    repeat_cursor_burst: int = 0
    paths: str | None = None
    drip_burst: int = 0
    drip_seconds: float = 0.0
    echo_status: int | None = None
    auth_refused_burst: int = 0
    empty_burst: int = 0
    wrong_shape_burst: int = 0
    wrong_shape_status: int = 200
    wrong_shape_body: Any = field(default_factory=lambda: dict(_WRONG_SHAPE))
    redirect_to: str | None = None
    oversize_burst: int = 0
    oversize_bytes: int = 0
    landed_error_burst: int = 0
    landed_error_status: int = 504
    hold_after: int | None = None
    hold_seconds: float = 5.0
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
            self.jitter = 0.0
            self.slow_burst = 0
            self.slow_seconds = 0.0
            self.repeat_cursor_burst = 0
            self.paths = None
            self.drip_burst = 0
            self.drip_seconds = 0.0
            self.echo_status = None
            self.auth_refused_burst = 0
            self.empty_burst = 0
            self.wrong_shape_burst = 0
            self.wrong_shape_status = 200
            self.wrong_shape_body = dict(_WRONG_SHAPE)
            self.redirect_to = None
            self.oversize_burst = 0
            self.oversize_bytes = 0
            self.landed_error_burst = 0
            self.landed_error_status = 504
            self.hold_after = None
            self.hold_seconds = 5.0
            self._seen = 0

    def delay(self, path: str) -> float:
        """Seconds to hold the response to ``path``."""
        with self._lock:
            if self.paths is not None and not re.search(self.paths, path):
                return 0.0
            if self.slow_burst > 0:
                self.slow_burst -= 1
                return self.slow_seconds
            spread = random.uniform(-self.jitter, self.jitter) if self.jitter > 0 else 0.0  # noqa: S311 - latency, not secrets
            return max(self.latency + spread, 0.0)

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
            if self.hold_after is not None:
                if self.hold_after <= 0:
                    return Fault(FaultKind.HOLD, seconds=self.hold_seconds)
                self.hold_after -= 1
            if self.redirect_to is not None:
                return Fault(FaultKind.REDIRECT, status=302)
            if self.echo_status is not None:
                return Fault(FaultKind.ECHO, status=self.echo_status)
            if self.rate_limit_burst > 0:
                self.rate_limit_burst -= 1
                return Fault(FaultKind.RATE_LIMIT, status=429, retry_after=self.retry_after)
            if self.error_burst > 0:
                self.error_burst -= 1
                return Fault(FaultKind.SERVER_ERROR, status=self.error_status)
            if self.drop_burst > 0:
                self.drop_burst -= 1
                return Fault(FaultKind.DROP)
            if self.auth_refused_burst > 0:
                self.auth_refused_burst -= 1
                return Fault(FaultKind.AUTH_REFUSED, status=401)
            if self.empty_burst > 0:
                self.empty_burst -= 1
                return Fault(FaultKind.EMPTY, status=200)
            if self.wrong_shape_burst > 0:
                self.wrong_shape_burst -= 1
                return Fault(FaultKind.WRONG_SHAPE, status=self.wrong_shape_status)
            if self.oversize_burst > 0:
                self.oversize_burst -= 1
                return Fault(FaultKind.OVERSIZE, status=200, size=self.oversize_bytes)
            if self.drip_burst > 0:
                self.drip_burst -= 1
                return Fault(FaultKind.DRIP, seconds=self.drip_seconds)
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
