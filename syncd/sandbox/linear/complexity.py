"""Linear's query complexity, estimated from the document alone (pure: no I/O, no data).

Linear's rate-limiting docs score a query before running it:

* each property (a scalar or enum field) costs 0.1 point;
* each object costs 1 point;
* a connection multiplies the cost of its children (``nodes``/``edges``) by its page size, the
  ``first`` or ``last`` argument, or 50 when neither is given;
* the total is rounded up to a whole number, and a single query may cost at most 10,000 points.

Scores are added up in tenths of a point, as integers, so 0.1 + 0.2 is exactly 0.3 and the rounding
is exact. Fragments are expanded where they are used; ``@skip``/``@include`` are honoured.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from graphql.language import SelectionNode
from graphql.type import SchemaMetaFieldDef, TypeMetaFieldDef

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_QUERY_COMPLEXITY",
    "OBJECT_COST",
    "PROPERTY_COST",
    "query_complexity",
]

PROPERTY_COST = 0.1
OBJECT_COST = 1
DEFAULT_PAGE_SIZE = 50
MAX_QUERY_COMPLEXITY = 10_000

_PROPERTY = 1
_OBJECT = 10
_PAGED_CHILDREN = frozenset({"nodes", "edges"})


@dataclass(slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    spreading: set[str] = field(default_factory=set)


def query_complexity(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The complexity score of the operation to run, rounded up.

    Args:
        schema: the schema the document is valid against.
        document: the parsed request.
        variables: the request's variables (they can set ``first``/``last`` and directives).
        operation_name: which operation of a multi-operation document runs.

    Returns:
        The score; 0 when the document names no runnable operation.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [op for op in operations if operation_name is None or (op.name and op.name.value == operation_name)]
    if not chosen:
        return 0
    operation = chosen[0]
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return 0
    values = dict(_variable_defaults(operation))
    values.update(variables or {})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    walk = _Walk(schema, fragments, values)
    tenths = _selection_cost(walk, root, operation.selection_set)
    return -(-tenths // 10)


def _variable_defaults(operation: OperationDefinitionNode) -> Iterator[tuple[str, Any]]:
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        if isinstance(default, IntValueNode):
            yield definition.variable.name.value, int(default.value)
        elif isinstance(default, BooleanValueNode):
            yield definition.variable.name.value, default.value


def _included(walk: _Walk, node: SelectionNode) -> bool:
    for directive in node.directives or ():
        if directive.name.value not in ("skip", "include"):
            continue
        condition = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        if isinstance(condition, VariableNode):
            flag = bool(walk.variables.get(condition.name.value))
        else:
            flag = isinstance(condition, BooleanValueNode) and condition.value
        if flag == (directive.name.value == "skip"):
            return False
    return True


def _fields(
    walk: _Walk, parent: GraphQLNamedType, selection_set: SelectionSetNode
) -> Iterator[tuple[FieldNode, GraphQLNamedType]]:
    """The fields selected on ``parent``, with fragments expanded, each with the type it is read on."""
    for node in selection_set.selections:
        if not _included(walk, node):
            continue
        if isinstance(node, FieldNode):
            yield node, parent
        elif isinstance(node, InlineFragmentNode):
            condition = walk.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
            yield from _fields(walk, condition or parent, node.selection_set)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = walk.fragments.get(name)
            if fragment is None or name in walk.spreading:
                continue
            condition = walk.schema.get_type(fragment.type_condition.name.value) or parent
            walk.spreading.add(name)
            yield from _fields(walk, condition, fragment.selection_set)
            walk.spreading.discard(name)


def _selection_cost(walk: _Walk, parent: GraphQLNamedType, selection_set: SelectionSetNode) -> int:
    return sum(_field_cost(walk, owner, node) for node, owner in _fields(walk, parent, selection_set))


def _field_definition(walk: _Walk, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    if name == "__schema" and parent is walk.schema.query_type:
        return SchemaMetaFieldDef
    if name == "__type" and parent is walk.schema.query_type:
        return TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        found: GraphQLField | None = parent.fields.get(name)
        return found
    return None


def _is_connection(named: GraphQLNamedType, definition: GraphQLField) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and named.name.endswith("Connection")
        and "pageInfo" in named.fields
        and ("first" in definition.args or "last" in definition.args)
    )


def _page_size(walk: _Walk, node: FieldNode) -> int:
    sizes: dict[str, int] = {}
    for argument in node.arguments or ():
        name = argument.name.value
        if name not in ("first", "last"):
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            sizes[name] = int(value.value)
        elif isinstance(value, VariableNode):
            given = walk.variables.get(value.name.value)
            if isinstance(given, int) and not isinstance(given, bool):
                sizes[name] = given
    return sizes.get("first", sizes.get("last", DEFAULT_PAGE_SIZE))


def _field_cost(walk: _Walk, parent: GraphQLNamedType, node: FieldNode) -> int:
    name = node.name.value
    if name == "__typename":
        return _PROPERTY
    definition = _field_definition(walk, parent, name)
    if definition is None:
        return 0
    named = get_named_type(definition.type)
    if is_leaf_type(named) or node.selection_set is None:
        return _PROPERTY
    if not _is_connection(named, definition):
        return _OBJECT + _selection_cost(walk, named, node.selection_set)
    size = _page_size(walk, node)
    cost = _OBJECT
    for child, owner in _fields(walk, named, node.selection_set):
        child_cost = _field_cost(walk, owner, child)
        cost += child_cost * size if child.name.value in _PAGED_CHILDREN else child_cost
    return cost
