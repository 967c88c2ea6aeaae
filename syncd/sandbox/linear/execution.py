"""Running a validated request with graphql-core, and rendering its result in Linear's shape.

The schema is Linear's real one and is shared read-only, so no resolver is attached to it: one field
resolver dispatches on ``(type, field)`` to the registered resolvers and otherwise reads the record's
attribute of the same name in snake_case. A non-null field nobody set still answers with a value its
type allows (``""``, ``0``, ``false``, ``[]``, an empty connection, the entity's ``createdAt``, an object
whose fields are defaults in turn), never with an execution error; a root field the emulator does not
implement answers with an explicit error. The per-field dispatch is built once and cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    execute_sync,
    get_named_type,
    is_abstract_type,
    is_enum_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)

from syncd.sandbox.linear.context import Args, ExecContext, Info, Resolver
from syncd.sandbox.linear.datetimes import format_ms
from syncd.sandbox.linear.errors import LinearApiError, internal_error, unsupported, validation_error
from syncd.sandbox.linear.pagination import Connection
from syncd.sandbox.linear.records import (
    Comment,
    Cycle,
    Initiative,
    Issue,
    Label,
    Organization,
    Project,
    Team,
    User,
    WorkflowState,
)
from syncd.sandbox.linear.store import new_id

__all__ = ["FieldResolver", "Placeholder", "render_result", "run"]

_MISSING = object()
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_ROOTS = frozenset({"Query", "Mutation", "Subscription"})
_TYPE_NAMES: dict[type, str] = {
    Issue: "Issue",
    Label: "IssueLabel",
    Team: "Team",
    WorkflowState: "WorkflowState",
    Project: "Project",
    Initiative: "Initiative",
    Cycle: "Cycle",
    Comment: "Comment",
    User: "User",
    Organization: "Organization",
}
_SCALAR_DEFAULTS: dict[str, Any] = {"String": "", "Int": 0, "Float": 0.0, "Boolean": False}


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A non-null object nobody set: each of its fields resolves to its type's default."""

    created_at: int = 0
    updated_at: int = 0


def _stamp(source: Any) -> int:
    return int(getattr(source, "created_at", 0) or 0)


def _default(type_: GraphQLOutputType) -> Callable[[Any], Any]:
    """How to fill the field of type ``type_`` when the source has nothing for it."""
    if not is_non_null_type(type_):
        return lambda _source: None
    inner = type_.of_type
    if is_list_type(inner):
        return lambda _source: []
    named = get_named_type(inner)
    if is_enum_type(named):
        first = next(iter(named.values))
        return lambda _source: first
    if is_object_type(named) and named.name.endswith("Connection") and "pageInfo" in named.fields:
        return lambda _source: Connection.empty()
    if is_object_type(named) or is_abstract_type(named):
        return lambda source: Placeholder(_stamp(source), _stamp(source))
    name = named.name
    if name in _SCALAR_DEFAULTS:
        value = _SCALAR_DEFAULTS[name]
        return lambda _source: value
    if name == "ID":
        return lambda source: getattr(source, "id", None) or new_id()
    if name == "DateTime":
        return lambda source: format_ms(_stamp(source))
    if name == "TimelessDate":
        return lambda source: format_ms(_stamp(source))[:10]
    if name in ("JSON", "JSONObject"):
        return lambda _source: {}
    return lambda _source: ""


def _attribute(field_name: str, type_: GraphQLOutputType) -> Resolver:
    attr = _CAMEL.sub("_", field_name).lower()
    required = is_non_null_type(type_)
    is_date = get_named_type(type_).name == "DateTime"
    default = _default(type_)

    def resolve(source: Any, _info: Info, _args: Args) -> Any:
        value = source.get(field_name, _MISSING) if isinstance(source, dict) else getattr(source, attr, _MISSING)
        if value is _MISSING or value is None:
            return default(source) if required or value is _MISSING else None
        if is_date and isinstance(value, int):
            return format_ms(value)
        return value

    return resolve


def _refuse(type_name: str, field_name: str) -> Resolver:
    def refuse(_source: Any, _info: Info, _args: Args) -> Any:
        raise unsupported(f"{type_name}.{field_name}")

    return refuse


class FieldResolver:
    """The one field resolver of the schema: registered resolvers first, then attributes and defaults."""

    def __init__(self, *tables: Mapping[tuple[str, str], Resolver]) -> None:
        self._explicit: dict[tuple[str, str], Resolver] = {}
        for table in tables:
            self._explicit.update(table)
        self._cache: dict[tuple[str, str], Resolver] = {}

    def __call__(self, source: Any, info: Info, **args: Any) -> Any:
        key = (info.parent_type.name, info.field_name)
        resolve = self._cache.get(key)
        if resolve is None:
            resolve = self._cache[key] = self._build(info.parent_type, info.field_name)
        return resolve(source, info, args)

    def _build(self, parent: GraphQLObjectType, field_name: str) -> Resolver:
        explicit = self._explicit.get((parent.name, field_name))
        if explicit is not None:
            return explicit
        if parent.name in _ROOTS:
            return _refuse(parent.name, field_name)
        return _attribute(field_name, parent.fields[field_name].type)


def resolve_type(value: Any, info: Info, abstract: GraphQLAbstractType) -> str | None:
    """The concrete type of a record returned where an interface or union is expected."""
    name = _TYPE_NAMES.get(type(value))
    possible = info.schema.get_possible_types(abstract)
    if name is not None and any(t.name == name for t in possible):
        return name
    return possible[0].name if possible else None


def run(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    context: ExecContext,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
    resolver: FieldResolver,
) -> ExecutionResult:
    """Execute a validated document (synchronously: no resolver awaits)."""
    return execute_sync(
        schema,
        document,
        context_value=context,
        variable_values=dict(variables) if variables else None,
        operation_name=operation_name,
        field_resolver=resolver,
        type_resolver=resolve_type,
    )


def _wire(error: GraphQLError) -> tuple[dict[str, Any], int]:
    original = error.original_error
    if isinstance(original, LinearApiError):
        linear = original
    elif original is not None:
        linear = internal_error(f"Internal server error: {original}")
    elif error.path:
        linear = internal_error(error.message)
    else:
        linear = validation_error(error.message)
    body = linear.as_graphql()
    if error.locations:
        body["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        body["path"] = list(error.path)
    return body, linear.http_status


def render_result(result: ExecutionResult) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body of an execution: the most severe error's status, else 200."""
    payload: dict[str, Any] = {}
    status = 200
    if result.errors:
        errors = []
        for error in result.errors:
            body, code = _wire(error)
            errors.append(body)
            status = max(status, code)
        payload["errors"] = errors
    payload["data"] = result.data
    return status, payload
