"""Running a parsed JQL query against the issues: value checks, time zones, pages and page tokens.

Jira checks a query's values against the data before it runs it: an unknown project or a key that no
longer exists is a 400 with a precise message (the classic search can downgrade those to warnings with
``validateQuery=warn``). Dates are read in the searching user's time zone, which is why syncd formats its
cursors in the zone ``myself`` reports. Pages come in two kinds: keyset pages behind the enhanced
search's ``nextPageToken`` (a bisect into a sorted index), and offset pages with a total for the classic
search (a cached list of matches, recomputed only after the data changed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from syncd.sandbox.jira.index import DEFAULT_ORDER, IssueIndex, SortKey, sort_key
from syncd.sandbox.jira.jql import (
    VALUE_FIELDS,
    And,
    Clause,
    JqlError,
    LocalDate,
    Not,
    Or,
    Query,
    QueryField,
    SortField,
    Terminal,
)
from syncd.sandbox.jira.model import Issue, Project, epoch_ms
from syncd.sandbox.jira.values import text_predicate, value_predicate

__all__ = [
    "IssueResolver",
    "Page",
    "PageTokenError",
    "Plan",
    "SearchEngine",
    "compile_query",
    "decode_page_token",
    "encode_page_token",
]

_ISSUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-\d+")


class PageTokenError(ValueError):
    """A ``nextPageToken`` that this emulator did not issue for this query."""


class IssueResolver(Protocol):
    """What compiling a query needs to know about the data."""

    def project_id_for(self, value: str) -> int | None: ...

    def issue_id_for(self, value: str) -> int | None: ...

    def project(self, project_id: int) -> Project: ...


@dataclass(frozen=True, slots=True)
class Plan:
    """A query ready to run: a predicate, the issue ids it is limited to (if any) and its order.

    ``fingerprint`` names the query with its resolved values, so cached matches are never reused for a
    query that means something else (another time zone, another ``now`` for a relative date).
    """

    predicate: Callable[[Issue], bool]
    candidates: frozenset[int] | None
    order: tuple[SortField, ...]
    fingerprint: str
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Page:
    issues: list[Issue]
    last_key: SortKey | None
    more: bool
    total: int | None


def compile_query(query: Query, *, resolver: IssueResolver, zone: ZoneInfo, now: datetime, strict: bool = True) -> Plan:
    """Check ``query``'s values against the data and turn it into a :class:`Plan`.

    Args:
        query: the parsed query.
        resolver: looks up projects and issues named in the query.
        zone: the searching user's time zone; absolute dates are read in it.
        now: the instant relative dates (``-5d``) count from.
        strict: raise for unknown projects and issues; otherwise they match nothing and add a warning.
    """
    warnings: list[str] = []
    resolved: list[str] = []

    def build(clause: Clause) -> Callable[[Issue], bool]:
        if isinstance(clause, And):
            parts = [build(c) for c in clause.clauses]
            return lambda issue: all(part(issue) for part in parts)
        if isinstance(clause, Or):
            parts = [build(c) for c in clause.clauses]
            return lambda issue: any(part(issue) for part in parts)
        if isinstance(clause, Not):
            inner = build(clause.clause)
            return lambda issue: not inner(issue)
        return _terminal(clause, resolver, zone, now, strict, warnings, resolved)

    predicate = (lambda issue: True) if query.where is None else build(query.where)
    order = query.order_by or DEFAULT_ORDER
    digest = hashlib.sha1(repr((query, resolved, zone.key)).encode(), usedforsecurity=False)
    candidates = _candidates(query.where, resolver) if query.where is not None else None
    return Plan(predicate, candidates, order, digest.hexdigest(), tuple(warnings))


def _terminal(
    clause: Terminal,
    resolver: IssueResolver,
    zone: ZoneInfo,
    now: datetime,
    strict: bool,
    warnings: list[str],
    resolved: list[str],
) -> Callable[[Issue], bool]:
    negate = clause.operator in {"!=", "not in"}
    if clause.field in VALUE_FIELDS:
        return value_predicate(clause, resolver)
    if clause.field is QueryField.TEXT:
        return text_predicate(clause)
    if clause.field is QueryField.PROJECT:
        projects = {p for value in clause.values if (p := _project(value, clause, resolver, strict, warnings))}
        if negate:
            return lambda issue: issue.project_id not in projects
        return lambda issue: issue.project_id in projects
    if clause.field is QueryField.KEY:
        ids = {i for value in clause.values if (i := _issue(value, clause, resolver, strict, warnings))}
        if negate:
            return lambda issue: issue.id not in ids
        return lambda issue: issue.id in ids
    date = clause.dates[0]
    local = date.value if isinstance(date, LocalDate) else now.astimezone(zone).replace(tzinfo=None) + date.delta
    instant = epoch_ms(local.replace(tzinfo=zone).astimezone(UTC))
    resolved.append(f"{clause.name}{clause.operator}{instant}")
    attribute = "created_ms" if clause.field is QueryField.CREATED else "updated_ms"
    compare = _COMPARISONS[clause.operator]
    return lambda issue: compare(getattr(issue, attribute), instant)


_COMPARISONS: Mapping[str, Callable[[int, int], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _project(value: str, clause: Terminal, resolver: IssueResolver, strict: bool, warnings: list[str]) -> int | None:
    project_id = resolver.project_id_for(value)
    if project_id is None:
        message = f"The value '{value}' does not exist for the field '{clause.name}'."
        if strict:
            raise JqlError(message)
        warnings.append(message)
    return project_id


def _issue(value: str, clause: Terminal, resolver: IssueResolver, strict: bool, warnings: list[str]) -> int | None:
    if not (value.isdigit() or _ISSUE_KEY.fullmatch(value)):
        raise JqlError(f"The issue key '{value}' for field '{clause.name}' is invalid.")
    issue_id = resolver.issue_id_for(value)
    if issue_id is None:
        message = f"An issue with key '{value}' does not exist for field '{clause.name}'."
        if strict:
            raise JqlError(message)
        warnings.append(message)
    return issue_id


def _candidates(clause: Clause, resolver: IssueResolver) -> frozenset[int] | None:
    """Issue ids a query is limited to by a top-level ``key =`` or ``key in`` clause, if any."""
    conjuncts = clause.clauses if isinstance(clause, And) else (clause,)
    found: frozenset[int] | None = None
    for part in conjuncts:
        if isinstance(part, Terminal) and part.field is QueryField.KEY and part.operator in {"=", "in"}:
            ids = frozenset(i for value in part.values if (i := resolver.issue_id_for(value)) is not None)
            found = ids if found is None else found & ids
    return found


class SearchEngine:
    """Pages of matching issues in order; every method expects the store's lock to be held."""

    def __init__(self, issues: Mapping[int, Issue], *, cache_size: int = 8) -> None:
        self._issues = issues
        self._index = IssueIndex()
        self._matches: OrderedDict[str, tuple[int, list[int]]] = OrderedDict()
        self._cache_size = cache_size
        self.version = 0

    def changed(self, old: Issue | None, new: Issue | None) -> None:
        """Keep the indexes current and invalidate cached matches."""
        self._index.replace(old, new)
        self.version += 1

    def page_after(self, plan: Plan, after: SortKey | None, limit: int) -> Page:
        """Up to ``limit`` matches that sort after ``after`` (a keyset page)."""
        if plan.candidates is not None:
            keys = sorted(
                sort_key(issue, plan.order)
                for issue_id in plan.candidates
                if (issue := self._issues.get(issue_id)) is not None and plan.predicate(issue)
            )
            start = 0 if after is None else bisect_right(keys, after)
            chosen = keys[start : start + limit + 1]
        else:
            index = self._index.get(plan.order, self._issues.values())
            keys, position = index.keys, index.position_after(after)
            chosen = []
            while position < len(keys) and len(chosen) <= limit:
                if plan.predicate(self._issues[keys[position][-1]]):
                    chosen.append(keys[position])
                position += 1
        more = len(chosen) > limit
        chosen = chosen[:limit]
        issues = [self._issues[key[-1]] for key in chosen]
        return Page(issues, chosen[-1] if chosen else None, more, None)

    def page_at(self, plan: Plan, start: int, limit: int) -> Page:
        """``limit`` matches from offset ``start``, with the total (an offset page)."""
        matches = self._all_matches(plan)
        chosen = matches[start : start + limit] if limit > 0 else []
        issues = [self._issues[issue_id] for issue_id in chosen]
        return Page(issues, None, start + len(chosen) < len(matches), len(matches))

    def _all_matches(self, plan: Plan) -> list[int]:
        cache_key = f"{plan.fingerprint}:{plan.order}"
        cached = self._matches.get(cache_key)
        if cached is not None and cached[0] == self.version:
            self._matches.move_to_end(cache_key)
            return cached[1]
        if plan.candidates is not None:
            issues = [self._issues[i] for i in plan.candidates if i in self._issues]
            ids = [key[-1] for key in sorted(sort_key(i, plan.order) for i in issues if plan.predicate(i))]
        else:
            index = self._index.get(plan.order, self._issues.values())
            ids = [key[-1] for key in index.keys if plan.predicate(self._issues[key[-1]])]
        self._matches[cache_key] = (self.version, ids)
        while len(self._matches) > self._cache_size:
            self._matches.popitem(last=False)
        return ids


def encode_page_token(jql: str, key: SortKey) -> str:
    """An opaque ``nextPageToken``: which query it belongs to and the sort key of the last issue sent."""
    payload = json.dumps({"q": _jql_digest(jql), "k": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_page_token(token: str, jql: str) -> SortKey:
    """The sort key a token continues after; raises :class:`PageTokenError` for a foreign token."""
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        digest, key = payload["q"], payload["k"]
    except (ValueError, KeyError, TypeError) as error:
        raise PageTokenError(token) from error
    if digest != _jql_digest(jql) or not isinstance(key, list):
        raise PageTokenError(token)
    return _as_tuple(key)


def _as_tuple(value: list[Any]) -> SortKey:
    return tuple(_as_tuple(item) if isinstance(item, list) else item for item in value)


def _jql_digest(jql: str) -> str:
    return hashlib.sha1(jql.strip().encode(), usedforsecurity=False).hexdigest()[:16]
