"""Linear's issues and labels in syncd's terms (pure).

syncd's canonical label names carry the scheme's prefixes (``objective:growth``). In Linear, objectives
live as children of a label group (``Objective › growth``) because a group allows one label per issue,
which is exactly "one primary objective"; values live in another group (``Value › quality``) unless the
workspace is configured for flat labels. The unaligned label sits in the objective group too, so an
issue is either aligned or not, never both. :class:`LabelNaming` translates both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.connectors.base import Skipped
from syncd.connectors.payload import estimate, identifier, malformed, prose, storable, text, timestamp
from syncd.model import StatusCategory, TrackerKind, WorkItem
from syncd.strategy import LabelScheme

__all__ = ["LabelNaming", "label_ids_without_group", "labels_cursor", "to_work_item", "with_groups", "with_labels"]

_STATES = {
    "triage": StatusCategory.TODO,
    "backlog": StatusCategory.TODO,
    "unstarted": StatusCategory.TODO,
    "started": StatusCategory.IN_PROGRESS,
    "completed": StatusCategory.DONE,
    "canceled": StatusCategory.DONE,
}


@dataclass(frozen=True, slots=True)
class LabelNaming:
    """Where each canonical label lives in Linear: (group name or None, label name)."""

    scheme: LabelScheme
    objective_group: str
    value_group: str | None

    def canonical(self, name: str, group: str | None) -> str:
        """The canonical name of a Linear label named ``name`` in ``group``."""
        folded = group.casefold() if group else None
        if folded == self.objective_group.casefold():
            return name if name == self.scheme.unaligned else self.scheme.objective_label(name)
        if self.value_group and folded == self.value_group.casefold():
            return self.scheme.value_label(name)
        return name

    def placement(self, canonical: str) -> tuple[str | None, str]:
        """The group and name a canonical label has in Linear."""
        if canonical == self.scheme.unaligned:
            return self.objective_group, canonical
        objective = self.scheme.objective_of(canonical)
        if objective is not None:
            return self.objective_group, objective
        value = self.scheme.value_of(canonical)
        if value is not None and self.value_group:
            return self.value_group, value
        return None, canonical


def to_work_item(
    node: Any, *, tracker: str, naming: LabelNaming, initiatives: Mapping[str, tuple[str, ...]]
) -> WorkItem | Skipped:
    """One issue node as a WorkItem, or Skipped with the reason.

    Args:
        initiatives: initiative names by project id (fetched once, not per issue, to keep pages cheap).
    """
    key = node.get("identifier") if isinstance(node, dict) else None
    if not isinstance(key, str) or not key:
        return Skipped(str(node.get("id", "?")) if isinstance(node, dict) else "?", "the issue has no identifier")
    try:
        return _work_item(node, key, tracker, naming, initiatives)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Skipped(key, malformed(exc))


def labels_cursor(node: Any) -> str | None:
    """Where an issue's labels go on when its page carried only the first few of them, else None."""
    labels = node.get("labels") if isinstance(node, dict) and isinstance(node.get("id"), str) else None
    info = labels.get("pageInfo") if isinstance(labels, dict) else None
    if isinstance(info, dict) and info.get("hasNextPage") and info.get("endCursor"):
        return str(info["endCursor"])
    return None


def with_labels(node: dict[str, Any], rest: Iterable[Any]) -> dict[str, Any]:
    """The issue node with the rest of its labels, as if its page had carried them all."""
    every = [*node["labels"]["nodes"], *rest]
    return {**node, "labels": {"nodes": every, "pageInfo": {"hasNextPage": False, "endCursor": None}}}


def label_ids_without_group(node: Any) -> list[str]:
    """The ids of the issue's labels whose group the answer left out (a page of issues asks only for
    each label's id and name)."""
    labels = node.get("labels") if isinstance(node, dict) else None
    nodes = labels.get("nodes") if isinstance(labels, dict) else None
    if not isinstance(nodes, list):
        return []
    return [str(label["id"]) for label in nodes if isinstance(label, dict) and "parent" not in label and "id" in label]


def with_groups(node: dict[str, Any], group_of: Callable[[str], str | None]) -> dict[str, Any]:
    """The issue node with each label's group filled in from ``group_of`` (by label id), where the
    answer left it out."""
    nodes = [
        label if "parent" in label or "id" not in label else {**label, "parent": _group(group_of(str(label["id"])))}
        for label in node["labels"]["nodes"]
    ]
    return {**node, "labels": {**node["labels"], "nodes": nodes}}


def _group(name: str | None) -> dict[str, str] | None:
    return {"name": name} if name is not None else None


def _work_item(
    node: dict[str, Any],
    key: str,
    tracker: str,
    naming: LabelNaming,
    initiatives: Mapping[str, tuple[str, ...]],
) -> WorkItem:
    title = node["title"]
    if not isinstance(title, str):
        raise TypeError("title is not text")
    state = node["state"]["type"]
    project = node.get("project") or None
    parent = node.get("parent") or None
    item = WorkItem(
        tracker=tracker,
        kind=TrackerKind.LINEAR,
        id=identifier(node["id"]),
        key=key,
        url=text(node.get("url")) or "",
        title=prose(title),
        description=prose(text(node.get("description")) or ""),
        type="",
        status=_STATES[state],
        priority=text(node.get("priorityLabel")),
        estimate=estimate(node.get("estimate")),
        labels=frozenset(_labels(node.get("labels"), naming)),
        project=text((node.get("team") or {}).get("key")),
        parent=text(parent.get("identifier")) if parent else None,
        linear_project=text(project.get("name")) if project else None,
        initiatives=initiatives.get(str(project.get("id")), ()) if project else (),
        created=timestamp(node["createdAt"]),
        updated=timestamp(node["updatedAt"]),
        resolved=_closed_at(node, state),
        resolution=_resolution(node["state"], state),
    )
    storable(item.id, item.key, item.parent, item.epic)
    return item


def _closed_at(node: dict[str, Any], state: str) -> datetime | None:
    """When the issue was completed, or canceled (Linear keeps the two apart)."""
    moment = node.get("canceledAt") if state == "canceled" else node.get("completedAt")
    return timestamp(moment) if moment else None


def _resolution(state_node: dict[str, Any], state: str) -> str | None:
    """A canceled state is declined work: ``Duplicate`` for the state Linear moves duplicates to, else
    ``Canceled`` whatever the team named it (https://linear.app/docs/configuring-workflows)."""
    if state != "canceled":
        return None
    name = text(state_node.get("name")) or ""
    return "Duplicate" if name.casefold() == "duplicate" else "Canceled"


def _labels(connection: Any, naming: LabelNaming) -> list[str]:
    if connection is None:
        return []
    names = []
    for label in connection["nodes"]:
        name = label["name"]
        if not isinstance(name, str):
            raise TypeError("a label's name is not text")
        group = (label.get("parent") or {}).get("name")
        names.append(naming.canonical(name, group))
    return names
