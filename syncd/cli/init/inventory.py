"""What a tracker already knows, as ``syncd init`` shows it: projects, components, epics, teams, Linear
projects, initiatives and labels, each with how many recent issues it holds and when one last moved.

Pure: it reads the work items a pull produced, so the figures are exactly the issues syncd would map, and
the grouping a person picks from it becomes the strategy's structure and field rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from syncd.model import StatusCategory, TrackerKind, WorkItem
from syncd.strategy import LabelScheme

__all__ = ["Group", "GroupKind", "Inventory", "take_inventory"]


class GroupKind(StrEnum):
    """A kind of thing issues belong to, named as the strategy file names its rule."""

    JIRA_PROJECT = "project"
    JIRA_COMPONENT = "component"
    JIRA_EPIC = "epic"
    JIRA_LABEL = "label"
    LINEAR_TEAM = "team"
    LINEAR_PROJECT = "linear project"
    LINEAR_INITIATIVE = "initiative"
    LINEAR_LABEL = "linear label"


_ORDER = {kind: rank for rank, kind in enumerate(GroupKind)}


@dataclass(frozen=True, slots=True)
class Group:
    """One project, component, epic, team, … and the recent issues in it.

    Attributes:
        kind: what it is.
        name: its key or name, as a strategy rule would spell it.
        title: a longer name for people (an epic's summary), or empty.
        issues: issues in it updated within the inventory's window.
        in_progress: how many of those are in progress now.
        last_updated: the newest update among them.
    """

    kind: GroupKind
    name: str
    title: str
    issues: int
    in_progress: int
    last_updated: datetime

    @property
    def ref(self) -> str:
        """How an answers file names it: ``project:GROW``, ``epic:GROW-12``, ``team:ENG``."""
        return f"{self.kind.value.replace(' ', '-')}:{self.name}"


@dataclass(frozen=True, slots=True)
class Inventory:
    """Everything a person may group under objectives, most used first within each kind."""

    kind: TrackerKind
    since: datetime
    issues: int
    groups: tuple[Group, ...] = field(default=())

    def find(self, ref: str) -> Group | None:
        """The group an answers file names (``project:GROW``); kinds and names match exactly."""
        return next((group for group in self.groups if group.ref == ref), None)


@dataclass(slots=True)
class _Tally:
    issues: int = 0
    in_progress: int = 0
    last_updated: datetime | None = None

    def add(self, item: WorkItem) -> None:
        self.issues += 1
        self.in_progress += item.status is StatusCategory.IN_PROGRESS
        if self.last_updated is None or item.updated > self.last_updated:
            self.last_updated = item.updated


def take_inventory(items: Iterable[WorkItem], *, kind: TrackerKind, since: datetime, labels: LabelScheme) -> Inventory:
    """Group the items by every project, component, epic, team, Linear project, initiative and label.

    Labels in syncd's own namespace are left out: they are what syncd will write, not what a person chose.
    """
    tallies: dict[tuple[GroupKind, str], _Tally] = {}
    titles: dict[str, str] = {}
    count = 0
    for item in items:
        count += 1
        titles[item.key] = item.title
        for key in _memberships(item, labels):
            tallies.setdefault(key, _Tally()).add(item)
    groups = [
        Group(
            kind=group_kind,
            name=name,
            title=titles.get(name, "") if group_kind is GroupKind.JIRA_EPIC else "",
            issues=tally.issues,
            in_progress=tally.in_progress,
            last_updated=tally.last_updated or since,
        )
        for (group_kind, name), tally in tallies.items()
    ]
    groups.sort(key=lambda g: (_ORDER[g.kind], -g.issues, g.name))
    return Inventory(kind=kind, since=since, issues=count, groups=tuple(groups))


def _memberships(item: WorkItem, labels: LabelScheme) -> Iterable[tuple[GroupKind, str]]:
    own_labels = sorted(label for label in item.labels if not labels.owns(label))
    if item.kind is TrackerKind.JIRA:
        if item.project:
            yield GroupKind.JIRA_PROJECT, item.project
        yield from ((GroupKind.JIRA_COMPONENT, c) for c in item.components)
        if item.epic:
            yield GroupKind.JIRA_EPIC, item.epic
        yield from ((GroupKind.JIRA_LABEL, label) for label in own_labels)
        return
    if item.project:
        yield GroupKind.LINEAR_TEAM, item.project
    if item.linear_project:
        yield GroupKind.LINEAR_PROJECT, item.linear_project
    yield from ((GroupKind.LINEAR_INITIATIVE, i) for i in item.initiatives)
    yield from ((GroupKind.LINEAR_LABEL, label) for label in own_labels)
