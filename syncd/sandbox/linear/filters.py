"""Linear's ``filter`` arguments compiled to predicates over records.

A filter is compiled once per connection field and then run per record, so paging 100k issues costs a
few attribute reads per issue, not a walk of the filter tree. Comparators follow Linear's filtering
docs: ``eq``/``neq``/``in``/``nin``, ``gt``/``gte``/``lt``/``lte``, ``null`` on nullable fields, the
string family (``contains``, ``startsWithIgnoreCase``…), dates as ISO 8601 instants or durations
relative to now (``-P2W``), relations by nested filter, collections by ``some``/``every``/``length``
(a bare field on a collection means ``some``), and ``and``/``or`` at every level.

A filter field the emulator does not implement is an error, never silently ignored: a test must not
believe it filtered when it did not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from syncd.sandbox.linear.datetimes import parse_instant
from syncd.sandbox.linear.errors import input_error, unsupported
from syncd.sandbox.linear.pagination import Key
from syncd.sandbox.linear.store import LinearStore

__all__ = ["FilterContext", "compile_filter", "issue_pins", "sort_bounds"]

Predicate = Callable[[Any], bool]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FilterContext:
    """What filters need besides the record: the data, the time (for durations) and the viewer (``isMe``)."""

    store: LinearStore
    now_ms: int
    viewer_id: str | None = None


Getter = Callable[[Any, FilterContext], Any]


@dataclass(frozen=True, slots=True)
class _Value:
    kind: str
    get: Getter


@dataclass(frozen=True, slots=True)
class _One:
    entity: str
    get: Getter


@dataclass(frozen=True, slots=True)
class _Many:
    entity: str
    get: Getter


def _attr(name: str, kind: str) -> _Value:
    return _Value(kind, lambda record, _ctx: getattr(record, name))


def _dates(**names: str) -> dict[str, _Value]:
    return {field: _attr(attr, "date") for field, attr in names.items()}


_STAMPS = _dates(createdAt="created_at", updatedAt="updated_at")

_SPECS: dict[str, dict[str, _Value | _One | _Many]] = {
    "Issue": {
        "id": _attr("id", "id"),
        "title": _attr("title", "str"),
        "description": _attr("description", "str"),
        "number": _attr("number", "num"),
        "priority": _attr("priority", "num"),
        "estimate": _attr("estimate", "num"),
        **_STAMPS,
        **_dates(
            completedAt="completed_at",
            canceledAt="canceled_at",
            archivedAt="archived_at",
            startedAt="started_at",
        ),
        "team": _One("Team", lambda r, c: c.store.teams.get(r.team_id)),
        "state": _One("WorkflowState", lambda r, c: c.store.states.get(r.state_id)),
        "project": _One("Project", lambda r, c: c.store.projects.get(r.project_id) if r.project_id else None),
        "cycle": _One("Cycle", lambda r, c: c.store.cycles.get(r.cycle_id) if r.cycle_id else None),
        "parent": _One("Issue", lambda r, c: c.store.issues.get(r.parent_id) if r.parent_id else None),
        "assignee": _One("User", lambda r, c: c.store.users.get(r.assignee_id) if r.assignee_id else None),
        "creator": _One("User", lambda r, c: c.store.users.get(r.creator_id) if r.creator_id else None),
        "labels": _Many("IssueLabel", lambda r, c: [c.store.labels[i] for i in r.label_ids]),
        "children": _Many("Issue", lambda r, c: [c.store.issues[i] for i in c.store.related_issue_ids("parent", r.id)]),
        "comments": _Many("Comment", lambda r, c: c.store.comments_of(r.id)),
    },
    "Team": {
        "id": _attr("id", "id"),
        "key": _attr("key", "str"),
        "name": _attr("name", "str"),
        "description": _attr("description", "str"),
        **_STAMPS,
    },
    "WorkflowState": {
        "id": _attr("id", "id"),
        "name": _attr("name", "str"),
        "type": _attr("type", "str"),
        "position": _attr("position", "num"),
        **_STAMPS,
        "team": _One("Team", lambda r, c: c.store.teams.get(r.team_id)),
    },
    "IssueLabel": {
        "id": _attr("id", "id"),
        "name": _attr("name", "str"),
        "isGroup": _attr("is_group", "bool"),
        **_STAMPS,
        "parent": _One("IssueLabel", lambda r, c: c.store.labels.get(r.parent_id) if r.parent_id else None),
        "team": _One("Team", lambda r, c: c.store.teams.get(r.team_id) if r.team_id else None),
        "creator": _One("User", lambda r, c: c.store.users.get(r.creator_id) if r.creator_id else None),
    },
    "Project": {
        "id": _attr("id", "id"),
        "name": _attr("name", "str"),
        "slugId": _attr("slug_id", "str"),
        "state": _attr("state", "str"),
        **_STAMPS,
        "initiatives": _Many("Initiative", lambda r, c: [c.store.initiatives[i] for i in r.initiative_ids]),
        "accessibleTeams": _Many("Team", lambda r, c: [c.store.teams[i] for i in r.team_ids]),
    },
    "Initiative": {
        "id": _attr("id", "id"),
        "name": _attr("name", "str"),
        "status": _attr("status", "str"),
        **_STAMPS,
    },
    "Cycle": {
        "id": _attr("id", "id"),
        "name": _attr("name", "str"),
        "number": _attr("number", "num"),
        **_STAMPS,
        **_dates(startsAt="starts_at", endsAt="ends_at", completedAt="completed_at"),
        "isActive": _Value("bool", lambda r, c: r.starts_at <= c.now_ms < r.ends_at),
        "isPast": _Value("bool", lambda r, c: r.ends_at <= c.now_ms),
        "isFuture": _Value("bool", lambda r, c: r.starts_at > c.now_ms),
        "team": _One("Team", lambda r, c: c.store.teams.get(r.team_id)),
    },
    "Comment": {
        "id": _attr("id", "id"),
        "body": _attr("body", "str"),
        **_STAMPS,
        "issue": _One("Issue", lambda r, c: c.store.issues.get(r.issue_id)),
        "user": _One("User", lambda r, c: c.store.users.get(r.user_id) if r.user_id else None),
        "parent": _One("Comment", lambda r, c: c.store.comments.get(r.parent_id) if r.parent_id else None),
    },
    "User": {
        "id": _attr("id", "id"),
        "name": _attr("name", "str"),
        "displayName": _attr("display_name", "str"),
        "email": _attr("email", "str"),
        "active": _attr("active", "bool"),
        "admin": _attr("admin", "bool"),
        "isMe": _Value("bool", lambda r, c: r.id == c.viewer_id),
        **_STAMPS,
    },
}


def _always(_record: Any) -> bool:
    return True


def _all(checks: list[Predicate]) -> Predicate:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _combine(op: str, subs: list[Callable[[T], bool]]) -> Callable[[T], bool]:
    """``and`` (all of ``subs``) or ``or`` (any of them)."""
    if op == "and":
        return lambda value: all(sub(value) for sub in subs)
    return lambda value: any(sub(value) for sub in subs)


def _is_null(want: bool) -> Predicate:
    return lambda value: (value is None) == want


def _quantified(inner: Predicate, *, every: bool) -> Callable[[list[Any]], bool]:
    if every:
        return lambda items: all(inner(item) for item in items)
    return lambda items: any(inner(item) for item in items)


def _sized(size: Predicate) -> Callable[[list[Any]], bool]:
    return lambda items: size(len(items))


def _empty(want: bool) -> Callable[[list[Any]], bool]:
    return lambda items: (not items) == want


def _read(get: Getter, test: Predicate, ctx: FilterContext) -> Predicate:
    return lambda record: test(get(record, ctx))


def _read_all(get: Getter, test: Callable[[list[Any]], bool], ctx: FilterContext) -> Predicate:
    return lambda record: test(list(get(record, ctx)))


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


_OPERATORS: dict[str, Callable[[Any], Predicate]] = {
    "eq": lambda x: lambda v: v is not None and v == x,
    "neq": lambda x: lambda v: v != x,
    "in": lambda xs: lambda v: v is not None and v in xs,
    "nin": lambda xs: lambda v: v not in xs,
    "gt": lambda x: lambda v: v is not None and v > x,
    "gte": lambda x: lambda v: v is not None and v >= x,
    "lt": lambda x: lambda v: v is not None and v < x,
    "lte": lambda x: lambda v: v is not None and v <= x,
    "contains": lambda x: lambda v: v is not None and x in v,
    "notContains": lambda x: lambda v: v is None or x not in v,
    "containsIgnoreCase": lambda x: lambda v: v is not None and x.lower() in v.lower(),
    "notContainsIgnoreCase": lambda x: lambda v: v is None or x.lower() not in v.lower(),
    "containsIgnoreCaseAndAccent": lambda x: lambda v: v is not None and _fold(x) in _fold(v),
    "startsWith": lambda x: lambda v: v is not None and v.startswith(x),
    "startsWithIgnoreCase": lambda x: lambda v: v is not None and v.lower().startswith(x.lower()),
    "notStartsWith": lambda x: lambda v: v is None or not v.startswith(x),
    "endsWith": lambda x: lambda v: v is not None and v.endswith(x),
    "notEndsWith": lambda x: lambda v: v is None or not v.endswith(x),
    "eqIgnoreCase": lambda x: lambda v: v is not None and v.lower() == x.lower(),
    "neqIgnoreCase": lambda x: lambda v: v is None or v.lower() != x.lower(),
}


def _operand(kind: str, value: Any, ctx: FilterContext) -> Any:
    if isinstance(value, list):
        return frozenset(_operand(kind, item, ctx) for item in value)
    if kind == "date":
        try:
            return parse_instant(str(value), ctx.now_ms)
        except ValueError as exc:
            raise input_error("Argument Validation Error", f"Invalid date or duration: {value!r}.") from exc
    if kind == "num":
        return float(value)
    return value


def _comparator(kind: str, spec: Mapping[str, Any], ctx: FilterContext, where: str) -> Predicate:
    checks: list[Predicate] = []
    for op, operand in spec.items():
        if operand is None:
            continue
        if op in ("and", "or"):
            checks.append(_combine(op, [_comparator(kind, sub, ctx, where) for sub in operand]))
        elif op == "null":
            checks.append(_is_null(bool(operand)))
        elif op in _OPERATORS:
            checks.append(_OPERATORS[op](_operand(kind, operand, ctx)))
        else:
            raise unsupported(f'The comparator "{op}" on {where}')
    return _all(checks)


def _one(field: _One, spec: Mapping[str, Any], ctx: FilterContext) -> Predicate:
    null = spec.get("null")
    rest = {k: v for k, v in spec.items() if k != "null" and v is not None}
    inner = compile_filter(field.entity, rest, ctx) if rest else None
    get = field.get

    def check(record: Any) -> bool:
        related = get(record, ctx)
        if null is not None and (related is None) != null:
            return False
        return inner is None or (related is not None and inner(related))

    return check


def _many(field: _Many, spec: Mapping[str, Any], ctx: FilterContext) -> Callable[[list[Any]], bool]:
    checks: list[Callable[[list[Any]], bool]] = []
    direct: dict[str, Any] = {}
    for key, value in spec.items():
        if value is None:
            continue
        if key in ("some", "every"):
            checks.append(_quantified(compile_filter(field.entity, value, ctx), every=key == "every"))
        elif key == "length":
            checks.append(_sized(_comparator("num", value, ctx, f"{field.entity} length")))
        elif key == "null":
            checks.append(_empty(bool(value)))
        elif key in ("and", "or"):
            checks.append(_combine(key, [_many(field, sub, ctx) for sub in value]))
        else:
            direct[key] = value
    if direct:
        checks.append(_quantified(compile_filter(field.entity, direct, ctx), every=False))
    return _combine("and", checks)


def compile_filter(entity: str, spec: Mapping[str, Any] | None, ctx: FilterContext) -> Predicate:
    """A predicate over records of ``entity`` (a GraphQL type name, e.g. ``"Issue"``) for ``spec``.

    Raises:
        LinearApiError: the filter uses a field or comparator the emulator does not implement.
    """
    if not spec:
        return _always
    fields = _SPECS.get(entity)
    if fields is None:
        raise unsupported(f"Filtering {entity}")
    checks: list[Predicate] = []
    for name, value in spec.items():
        if value is None or name == "null":
            continue
        if name in ("and", "or"):
            checks.append(_combine(name, [compile_filter(entity, sub, ctx) for sub in value]))
            continue
        field = fields.get(name)
        if field is None:
            raise unsupported(f'The filter field "{name}" on {entity}')
        if isinstance(field, _Value):
            checks.append(_read(field.get, _comparator(field.kind, value, ctx, f"{entity}.{name}"), ctx))
        elif isinstance(field, _One):
            checks.append(_one(field, value, ctx))
        else:
            checks.append(_read_all(field.get, _many(field, value, ctx), ctx))
    return _all(checks)


def sort_bounds(spec: Mapping[str, Any] | None, field: str, ctx: FilterContext) -> tuple[Key | None, Key | None]:
    """Index bounds implied by a top-level range filter on the sort field.

    Returns ``(lower, upper)`` keys: matches are at or above ``lower`` and strictly below ``upper``.
    The filter itself is still applied; the bounds only spare the walk the records outside them.
    """
    lower: Key | None = None
    upper: Key | None = None
    comparator = (spec or {}).get(field) or {}

    def at(value: Any) -> int:
        return int(_operand("date", value, ctx))

    for op, value in comparator.items():
        if value is None or op not in ("gt", "gte", "lt", "lte", "eq"):
            continue
        low = {"gt": at(value) + 1, "gte": at(value), "eq": at(value)}.get(op)
        high = {"lt": at(value), "lte": at(value) + 1, "eq": at(value) + 1}.get(op)
        if low is not None and (lower is None or (low, "") > lower):
            lower = (low, "")
        if high is not None and (upper is None or (high, "") < upper):
            upper = (high, "")
    return lower, upper


def issue_pins(spec: Mapping[str, Any] | None, store: LinearStore) -> list[tuple[str, str]]:
    """``(relation, id)`` pairs an issue filter pins with a top-level ``id``/``key`` equality.

    The caller can then start from the indexed issues of that team, project, parent, cycle or label
    instead of the whole workspace.
    """
    pins: list[tuple[str, str]] = []
    spec = spec or {}
    for relation, key in (("team", "team"), ("project", "project"), ("parent", "parent"), ("cycle", "cycle")):
        sub = spec.get(key) or {}
        ident = (sub.get("id") or {}).get("eq")
        if ident:
            pins.append((relation, str(ident)))
        team_key = (sub.get("key") or {}).get("eq") if relation == "team" else None
        if team_key:
            team = store.find_team(str(team_key))
            pins.append(("team", team.id if team else "-"))
    labels: Mapping[str, Any] = spec.get("labels") or {}
    for scope in (labels, labels.get("some") or {}):
        ident = (scope.get("id") or {}).get("eq")
        if ident:
            pins.append(("label", str(ident)))
    return pins
