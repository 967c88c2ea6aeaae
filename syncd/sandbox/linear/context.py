"""What resolvers share: the request's context, a resolver registry, and the connection builders.

Every connection field of the emulator is built by :func:`issue_connection` (issues, indexed) or
:func:`record_connection` (the small tables), so pagination, ``filter``, ``orderBy`` and
``includeArchived`` behave the same on ``Query.issues``, ``Team.issues``, ``Issue.children``,
``IssueLabel.issues`` and the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo

from syncd.sandbox.linear.errors import unsupported
from syncd.sandbox.linear.filters import FilterContext, compile_filter, issue_pins, sort_bounds
from syncd.sandbox.linear.pagination import Connection, PageArgs, paginate, paginate_records
from syncd.sandbox.linear.ratelimit import RateDecision
from syncd.sandbox.linear.records import ApiKey, Issue, User
from syncd.sandbox.linear.store import LinearStore
from syncd.sandbox.linear.workspace import LinearWorkspace

__all__ = [
    "Args",
    "ExecContext",
    "Info",
    "Registry",
    "Resolver",
    "context_of",
    "issue_connection",
    "record_connection",
]


_ORDER_ATTRS = {"createdAt": "created_at", "updatedAt": "updated_at"}


@dataclass(frozen=True, slots=True)
class ExecContext:
    """One request's view: the workspace, who asks, and what the request cost."""

    workspace: LinearWorkspace
    viewer: User
    key: ApiKey
    rate: RateDecision
    complexity: int
    now_ms: int

    @property
    def store(self) -> LinearStore:
        return self.workspace.store

    def filters(self) -> FilterContext:
        return FilterContext(self.store, self.now_ms, self.viewer.id)


Info = GraphQLResolveInfo[ExecContext]
"""What a resolver is told about the field it resolves."""

Args = dict[str, Any]
"""A field's arguments."""

Resolver = Callable[[Any, Info, Args], Any]


def context_of(info: Info) -> ExecContext:
    return info.context


class Registry:
    """Resolvers by ``(GraphQL type, field)``, filled with the :meth:`on` decorator."""

    def __init__(self) -> None:
        self.resolvers: dict[tuple[str, str], Resolver] = {}

    def on(self, type_name: str, *fields: str) -> Callable[[Resolver], Resolver]:
        def register(fn: Resolver) -> Resolver:
            for name in fields:
                self.resolvers[(type_name, name)] = fn
            return fn

        return register


def _order(args: dict[str, Any]) -> str:
    if args.get("sort"):
        raise unsupported("The sort argument (use orderBy)")
    return str(args.get("orderBy") or "createdAt")


def issue_connection(
    ctx: ExecContext,
    args: dict[str, Any],
    *,
    scope: tuple[str, str] | None = None,
    extra: Callable[[Issue], bool] | None = None,
) -> Connection[Issue]:
    """A page of issues, newest first by ``orderBy``.

    The walk starts from the best index available: the issues of ``scope`` (a relation such as
    ``("team", team_id)``) or of a team/project/parent/cycle/label the filter pins, sorted on the
    spot when that set is small; otherwise the workspace's sorted key list, entered by bisection at
    the cursor and bounded by any range filter on the sort field.

    Args:
        ctx: the request.
        args: the connection field's arguments.
        scope: the relation the connection belongs to, if any.
        extra: a further condition the scope cannot express.
    """
    store = ctx.store
    order = _order(args)
    page = PageArgs.from_args(args)
    fctx = ctx.filters()
    spec = args.get("filter")
    matches = compile_filter("Issue", spec, fctx)
    include_archived = bool(args.get("includeArchived"))

    def accept(issue: Issue) -> bool:
        if issue.archived_at is not None and not include_archived:
            return False
        return matches(issue) and (extra is None or extra(issue))

    attr = _ORDER_ATTRS[order]
    lower, upper = sort_bounds(spec, order, fctx)
    candidates = store.related_issue_ids(*scope) if scope is not None else None
    for relation, target in issue_pins(spec, store):
        pinned = store.related_issue_ids(relation, target)
        candidates = pinned if candidates is None else candidates & pinned
    if candidates is not None and (scope is not None or len(candidates) * 8 <= len(store.issues)):
        keys = sorted((getattr(store.issues[i], attr), i) for i in candidates)
    else:
        keys = store.issue_keys(order)
    return paginate(keys, store.issues.get, accept, page, lower=lower, upper=upper)


def record_connection(
    ctx: ExecContext,
    entity: str,
    records: Iterable[Any],
    args: dict[str, Any],
    *,
    extra: Callable[[Any], bool] | None = None,
) -> Connection[Any]:
    """A page of a small table (teams, labels, projects, comments…), filtered by ``entity``'s filter."""
    order = _order(args)
    matches = compile_filter(entity, args.get("filter"), ctx.filters())
    include_archived = bool(args.get("includeArchived"))

    def accept(record: Any) -> bool:
        if getattr(record, "archived_at", None) is not None and not include_archived:
            return False
        return matches(record) and (extra is None or extra(record))

    return paginate_records(records, _ORDER_ATTRS[order], PageArgs.from_args(args), accept)
