"""The Linear label directory: finding, and creating once, the labels syncd writes.

Linear labels are workspace-wide or belong to one team; a team's issues can carry both, and a team label
shadows a workspace label of the same name and group. syncd creates what it needs at workspace level
(groups first, then their children), so one set serves every team, and reuses whatever already exists,
team labels included. The directory is read once per connector and kept up to date as it creates.

A label group allows one label per issue, so a person who picks a label of a group between syncd's read
and its write makes Linear refuse syncd's add there; :meth:`LabelDirectory.yield_to_people` says what is
left of syncd's delta once the person's choice is respected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from syncd.connectors.linear_issues import LabelNaming

__all__ = ["LabelDirectory", "LinearLabel"]


@dataclass(frozen=True, slots=True)
class LinearLabel:
    """One label as syncd needs it: the group's name to name it, the group's id to tell groups apart
    (a team's group and the workspace's group may share a name)."""

    id: str
    name: str
    is_group: bool
    group: str | None
    team: str | None
    group_id: str | None = None

    @classmethod
    def from_node(cls, node: dict[str, Any]) -> LinearLabel:
        return cls(
            id=str(node["id"]),
            name=str(node["name"]),
            is_group=bool(node.get("isGroup")),
            group=(node.get("parent") or {}).get("name"),
            team=(node.get("team") or {}).get("key"),
            group_id=(node.get("parent") or {}).get("id"),
        )


Create = Callable[[dict[str, Any]], LinearLabel]


class LabelDirectory:
    """Label ids by (team, group, name), case-insensitively as Linear compares names.

    Args:
        labels: every label of the workspace.
        naming: where canonical labels live.
        create: sends ``issueLabelCreate`` with the given input and returns the new label.
    """

    def __init__(self, labels: Iterable[LinearLabel], naming: LabelNaming, create: Create) -> None:
        self._naming = naming
        self._create = create
        self._labels: dict[tuple[str | None, str | None, str], LinearLabel] = {}
        self._groups: dict[tuple[str | None, str], LinearLabel] = {}
        self._by_id: dict[str, LinearLabel] = {}
        for label in labels:
            self._remember(label)

    def _remember(self, label: LinearLabel) -> None:
        self._by_id[label.id] = label
        if label.is_group:
            self._groups[(label.team, label.name.casefold())] = label
        else:
            group = label.group.casefold() if label.group else None
            self._labels[(label.team, group, label.name.casefold())] = label

    def groups(self) -> dict[str, str | None]:
        """The group's name of every label (None outside any group), by label id."""
        return {label.id: label.group for label in self._by_id.values() if not label.is_group}

    def find(self, canonical: str, team: str | None) -> LinearLabel | None:
        """The label a canonical name means for an issue of ``team``: the team's own, else the workspace's."""
        group, name = self._naming.placement(canonical)
        folded = group.casefold() if group else None
        for scope in (team, None) if team else (None,):
            label = self._labels.get((scope, folded, name.casefold()))
            if label is not None:
                return label
        return None

    def ids_for_removal(self, canonical: str, team: str | None) -> list[str]:
        """Every id the canonical name may stand for (the team is unknown after a restart)."""
        if team is not None:
            found = self.find(canonical, team)
            return [found.id] if found else []
        group, name = self._naming.placement(canonical)
        folded = group.casefold() if group else None
        return [label.id for (_, g, n), label in self._labels.items() if g == folded and n == name.casefold()]

    def ensure(self, canonical: str, team: str | None) -> LinearLabel:
        """The label for ``canonical``, created at workspace level (with its group) when missing."""
        found = self.find(canonical, team)
        if found is not None:
            return found
        group_name, name = self._naming.placement(canonical)
        payload: dict[str, Any] = {"name": name}
        if group_name is not None:
            payload["parentId"] = self._group(group_name).id
        label = self._create(payload)
        self._remember(label)
        return label

    def yield_to_people(
        self, added: frozenset[str], removed: frozenset[str], current: Iterable[LinearLabel]
    ) -> tuple[frozenset[str], frozenset[str]]:
        """What is left of a delta (label ids) once the issue's ``current`` labels are respected.

        A group is held by a label on the issue that the delta does not remove: syncd's add into a held
        group is dropped, because the label there was put by a person and syncd never overrides one.
        Adds already on the issue and removals of labels no longer on it are dropped as done.
        """
        labels = list(current)
        on_issue = {label.id for label in labels}
        held = {label.group_id for label in labels if label.group_id and label.id not in removed}
        add = frozenset(i for i in added if i not in on_issue and not self._in(i, held))
        return add, frozenset(i for i in removed if i in on_issue)

    def _in(self, label_id: str, groups: set[str]) -> bool:
        label = self._by_id.get(label_id)
        return label is not None and label.group_id in groups

    def _group(self, name: str) -> LinearLabel:
        group = self._groups.get((None, name.casefold()))
        if group is None:
            group = self._create({"name": name, "isGroup": True})
            self._remember(group)
        return group
