"""Linear's record of who changed an issue's labels, as :class:`~syncd.core.provenance.LabelChange` values.

``Issue.history`` lists ``IssueHistory`` entries, each with ``createdAt``, the ``actor`` (the user, or empty
for an integration or automation, shown as ``botActor``) and the labels it added and removed. The labels
are read with their group, so they take syncd's canonical names as an issue's labels do; syncd's own
account is the API key's user (``viewer``). An entry that does not parse is left out: without it a label
counts as a person's, which never costs a person's label.
See ``IssueHistory`` in Linear's schema (https://studio.apollographql.com/public/Linear-API/variant/current/schema/reference/objects/IssueHistory).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from syncd.connectors.linear_issues import LabelNaming
from syncd.connectors.payload import timestamp
from syncd.model import LabelChange

__all__ = ["label_changes"]


def label_changes(nodes: Iterable[Any], naming: LabelNaming) -> tuple[LabelChange, ...]:
    """The label changes among ``IssueHistory`` nodes, each with its actor."""
    changes: list[LabelChange] = []
    for node in nodes:
        change = _label_change(node, naming)
        if change is not None:
            changes.append(change)
    return tuple(changes)


def _label_change(node: Any, naming: LabelNaming) -> LabelChange | None:
    if not isinstance(node, dict):
        return None
    added, removed = _names(node.get("addedLabels"), naming), _names(node.get("removedLabels"), naming)
    if not added and not removed:
        return None
    try:
        at = timestamp(node.get("createdAt"))
    except (TypeError, ValueError):
        return None
    actor = _mapping(node.get("actor"))
    return LabelChange(at=at, actor=str(actor.get("id") or ""), added=added, removed=removed)


def _names(labels: Any, naming: LabelNaming) -> frozenset[str]:
    names: set[str] = set()
    for label in labels if isinstance(labels, list) else ():
        if isinstance(label, dict) and isinstance(label.get("name"), str):
            names.add(naming.canonical(label["name"], _mapping(label.get("parent")).get("name")))
    return frozenset(names)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
