"""Pacing requests by what the tracker's rate-limit headers say is left, so a sync never trips a limit it
could have avoided.

Both trackers say on every answer how much of a budget remains, and :class:`Throttle` reads that before
each request of the same budget (its *scope*):

* **Jira Cloud** limits bursts per endpoint and HTTP method and sends ``X-RateLimit-Limit``,
  ``X-RateLimit-Remaining`` and ``X-RateLimit-NearLimit`` (true below a fifth of the budget), but not the
  refill rate: https://developer.atlassian.com/cloud/jira/platform/rate-limiting/. Near the limit the
  scope's requests go one at a time, and with nothing left the next one waits a second (the unit of
  Jira's ``Retry-After``).
* **Linear** refills each budget at a constant ``LIMIT / PERIOD`` with a period of an hour (a leaky
  bucket) and sends ``X-RateLimit-Requests-Remaining``, ``X-RateLimit-Complexity-Remaining`` and what
  the last query cost (``X-Complexity``): https://linear.app/developers/rate-limiting. A request that
  would not fit waits until enough of both budgets has flowed back, counting the requests already in
  flight.

A scope never heard of, or whose answers carry no such headers (Data Center, a proxy), is not paced: the
retry policy still honours a ``Retry-After`` if a limit is hit after all.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Budget", "Throttle", "jira_budget", "jira_scope", "linear_budget"]

HOUR = 3600.0
_JIRA_NEAR = 0.2
_JIRA_EMPTY_WAIT = 1.0
_ID_SEGMENT = re.compile(r"[0-9]")


@dataclass(frozen=True, slots=True)
class Budget:
    """What one answer said of its budget.

    Attributes:
        remaining: requests left.
        limit: the budget's size.
        per_second: the rate it refills at; None when the tracker does not say (Jira).
        near: the tracker says the budget is nearly spent.
        points: complexity points left (Linear), with their size, refill rate and the last query's cost.
    """

    remaining: float
    limit: float
    per_second: float | None = None
    near: bool = False
    points: tuple[float, float, float] | None = None


def jira_scope(method: str, path: str) -> str:
    """Jira's burst scope: the method and the endpoint, with issue keys, ids and task ids as one path."""
    parts = ["{}" if _ID_SEGMENT.search(part) else part for part in path.split("/")]
    return f"{method.upper()} {'/'.join(parts)}"


def jira_budget(headers: Mapping[str, str]) -> Budget | None:
    """Jira Cloud's burst budget from an answer's headers; None when it sent none."""
    remaining = _number(headers.get("X-RateLimit-Remaining"))
    limit = _number(headers.get("X-RateLimit-Limit"))
    if remaining is None or limit is None or limit <= 0:
        return None
    near = str(headers.get("X-RateLimit-NearLimit", "")).lower() == "true" or remaining < limit * _JIRA_NEAR
    return Budget(remaining, limit, near=near)


def linear_budget(headers: Mapping[str, str]) -> Budget | None:
    """Linear's request and complexity budgets from an answer's headers; None when it sent none."""
    remaining = _number(headers.get("X-RateLimit-Requests-Remaining"))
    limit = _number(headers.get("X-RateLimit-Requests-Limit"))
    if remaining is None or limit is None or limit <= 0:
        return None
    points_left = _number(headers.get("X-RateLimit-Complexity-Remaining"))
    points_limit = _number(headers.get("X-RateLimit-Complexity-Limit"))
    cost = _number(headers.get("X-Complexity")) or 0.0
    points = None
    if points_left is not None and points_limit is not None and points_limit > 0:
        points = (points_left, points_limit / HOUR, cost)
    return Budget(remaining, limit, per_second=limit / HOUR, points=points)


@dataclass(slots=True)
class _Scope:
    """One budget as the latest answer told it, and the requests it may not have counted.

    An answer counts for sure only the requests the tracker had answered before that answer's request was
    sent. One sent earlier but still in flight may reach the tracker later, over another connection, so
    neither the answer of a request sent later nor its own answer proves it counted: a request stays
    *live* until a budget arrives from a request sent after its answer. Tickets number both events,
    requests let through and answers, in one sequence.

    Attributes:
        live: each request not yet surely counted by every later budget, with its answer's ticket (None
            while in flight).
    """

    budget: Budget | None = None
    seen: int = -1
    live: dict[int, int | None] = field(default_factory=dict)
    gate: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> float:
        """Seconds the next request must wait for the budget to hold it and those uncounted."""
        budget = self.budget
        if budget is None:
            return 0.0
        ahead = len(self.live) - (self.seen in self.live)
        if budget.per_second is None:
            return _JIRA_EMPTY_WAIT if budget.remaining - ahead < 1 else 0.0
        wanted = ahead + 1 - budget.remaining
        waits = [wanted / budget.per_second] if wanted > 0 else []
        if budget.points is not None:
            points, per_second, cost = budget.points
            short = (ahead + 1) * cost - points
            if short > 0:
                waits.append(short / per_second)
        return max(waits, default=0.0)

    def answered(self, ticket: int, now: int) -> None:
        """The request of ``ticket`` is over at ``now``: its answer's time, unless an answer was heard
        before (a connection error ends a request without one)."""
        if ticket in self.live and self.live[ticket] is None:
            self.live[ticket] = now

    @property
    def serial(self) -> bool:
        """Near Jira's limit, where only the answer to the request in flight tells what is left."""
        return self.budget is not None and self.budget.per_second is None and self.budget.near

    def learn(self, ticket: int, budget: Budget | None, now: int) -> None:
        """The answer to the request of ``ticket``, given at ``now``. A budget from a request sent before
        the one already heard of is stale; a fresh one settles the requests answered before it was sent."""
        self.answered(ticket, now)
        if budget is None or ticket < self.seen:
            return
        self.budget, self.seen = budget, ticket
        for settled in [t for t, answered in self.live.items() if answered is not None and answered < ticket]:
            del self.live[settled]


class Throttle:
    """One tracker's pacing, shared by the threads that send its requests.

    Args:
        read: how an answer's headers tell the budget (:func:`jira_budget`, :func:`linear_budget`).
        sleep: waits (the retry policy's, so a shutdown cuts them short).
    """

    def __init__(
        self, read: Callable[[Mapping[str, str]], Budget | None], *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._read = read
        self._sleep = sleep
        self._lock = threading.Lock()
        self._scopes: dict[str, _Scope] = {}
        self._tickets = itertools.count()
        self._held_until = 0.0
        self.waited = 0.0

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds``: the tracker refused a request and said when to come back (a
        limit syncd could not see, or another client's share of it)."""
        with self._lock:
            self._held_until = max(self._held_until, time.monotonic() + seconds)

    def _held(self) -> None:
        while True:
            with self._lock:
                pause = self._held_until - time.monotonic()
            if pause <= 0:
                return
            self.waited += pause
            self._sleep(pause)

    @contextmanager
    def turn(self, scope: str) -> Iterator[int]:
        """Hold a request of ``scope`` until its budget allows it; the request is sent inside, and its
        answer handed to :meth:`observe` with the ticket this yields.

        Requests of a scope are let through one after another, each counting what the answers before it
        said; near Jira's limit the next one also waits for the answer of the one in flight.
        """
        self._held()
        with self._lock:
            state = self._scopes.setdefault(scope, _Scope())
        state.gate.acquire()
        hold = False
        try:
            ticket = self._admit(state)
            with self._lock:
                hold = state.serial
        finally:
            if not hold:
                state.gate.release()
        try:
            yield ticket
        finally:
            with self._lock:
                state.answered(ticket, next(self._tickets))
            if hold:
                state.gate.release()

    def _admit(self, state: _Scope) -> int:
        """Wait until the budget holds the requests sent since its answer and one more; that one's
        ticket. A wait no fresh answer interrupted counts as the refill it waited for."""
        while True:
            with self._lock:
                pause = state.wait()
                if pause <= 0:
                    return self._issue(state)
                seen = state.seen
            self.waited += pause
            self._sleep(pause)
            with self._lock:
                if state.seen == seen:
                    return self._issue(state)

    def _issue(self, state: _Scope) -> int:
        ticket = next(self._tickets)
        state.live[ticket] = None
        return ticket

    def observe(self, scope: str, headers: Mapping[str, str], *, ticket: int) -> None:
        """Learn the budget from the answer to the request of ``ticket``. An answer overtaken by that of
        a request sent later is stale (it counts fewer of the requests sent) and is ignored."""
        budget = self._read(headers)
        with self._lock:
            self._scopes.setdefault(scope, _Scope()).learn(ticket, budget, next(self._tickets))


def _number(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None
