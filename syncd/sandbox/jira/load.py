"""A real Jira export loaded into the emulator, so a team can watch syncd map its own issues offline.

The export is read by :mod:`syncd.connectors.exports` (the normaliser a sync uses), then each issue is
created with its real key, type, status (with its category), priority, components, labels, description,
story points, dates, resolution, epic and parent. Epics come first and sub-tasks last, so every link finds
its target. What cannot be loaded is one line naming the issue and why; the rest loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.connectors.base import Skipped
from syncd.connectors.exports import LoadedExport, export_entries, export_item
from syncd.connectors.payload import timestamp
from syncd.model import WorkItem
from syncd.sandbox.jira.model import PRIORITIES, IssueType, Status, StatusCategory
from syncd.sandbox.jira.store import JiraStore
from syncd.strategy import LabelScheme

__all__ = ["LoadedExport", "load_jira_export"]

_CATEGORIES = {
    "new": StatusCategory.NEW,
    "undefined": StatusCategory.NEW,
    "indeterminate": StatusCategory.INDETERMINATE,
}


def load_jira_export(store: JiraStore, data: Any) -> LoadedExport:
    """Create the export's issues in ``store``."""
    entries, names = export_entries(data)
    problems: list[str] = []
    read: list[tuple[dict[str, Any], WorkItem]] = []
    for index, entry in enumerate(entries):
        item = export_item(entry, names=names, scheme=LabelScheme())
        if item is None:
            problems.append(f"issue [{index}]: not a Jira issue (it has no fields)")
        elif isinstance(item, Skipped):
            problems.append(f"issue {item.key}: {item.reason}")
        elif not item.key.rpartition("-")[2].isdigit():
            problems.append(f"issue {item.key}: not a project key and number")
        else:
            read.append((entry, item))
    projects = sorted({item.key.rpartition("-")[0] for _, item in read})
    for project in projects:
        if store.project_id_for(project) is None:
            store.create_project(project, project)
    keys: list[str] = []
    for raw, item in sorted(read, key=_order):
        try:
            _create(store, raw, item, problems)
        except (KeyError, ValueError) as exc:
            problems.append(f"issue {item.key}: {exc}")
        else:
            keys.append(item.key)
    return LoadedExport(tuple(keys), tuple(projects), tuple(problems))


def _order(entry: tuple[dict[str, Any], WorkItem]) -> tuple[int, str, int]:
    """Epics first, sub-tasks last, then by key: a link's target exists before the link."""
    raw, item = entry
    project, _, number = item.key.rpartition("-")
    return -_hierarchy(raw["fields"].get("issuetype") or {}), project, int(number)


def _create(store: JiraStore, raw: dict[str, Any], item: WorkItem, problems: list[str]) -> None:
    fields: Mapping[str, Any] = raw["fields"]
    project, _, number = item.key.rpartition("-")
    store.create_issue(
        project,
        item.title,
        issue_type=_issue_type(fields.get("issuetype") or {}),
        status=_status(fields["status"]),
        priority=_priority(item, problems),
        labels=sorted(item.labels),
        components=item.components,
        description=fields.get("description") or None,
        parent=_link(store, item, item.parent, "parent", problems),
        epic=_link(store, item, item.epic, "epic", problems),
        story_points=item.estimate,
        created=item.created,
        updated=item.updated,
        resolutiondate=timestamp(fields["resolutiondate"]) if fields.get("resolutiondate") else None,
        resolution=item.resolution,
        number=int(number),
        status_changed=item.resolved,
    )


def _link(store: JiraStore, item: WorkItem, target: str | None, what: str, problems: list[str]) -> str | None:
    if target is None or store.find(target) is not None:
        return target
    problems.append(f"issue {item.key}: its {what} {target} is not in the export; loaded without it")
    return None


def _priority(item: WorkItem, problems: list[str]) -> str:
    known = {name.casefold(): name for name in PRIORITIES}
    if item.priority is None:
        return "Medium"
    if item.priority.casefold() not in known:
        problems.append(f"issue {item.key}: priority {item.priority!r} is unknown to the emulator; loaded as Medium")
        return "Medium"
    return known[item.priority.casefold()]


def _hierarchy(issue_type: Mapping[str, Any]) -> int:
    level = issue_type.get("hierarchyLevel")
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    if issue_type.get("subtask") is True:
        return -1
    return 1 if str(issue_type.get("name", "")).casefold() == "epic" else 0


def _issue_type(issue_type: Mapping[str, Any]) -> IssueType:
    level = _hierarchy(issue_type)
    return IssueType(
        id=str(issue_type.get("id") or "10001"),
        name=str(issue_type.get("name") or "Task"),
        subtask=level < 0,
        hierarchy_level=level,
        description=str(issue_type.get("description") or ""),
    )


def _status(status: Mapping[str, Any]) -> Status:
    category = status.get("statusCategory") or {}
    key = category.get("key") or {"1": "undefined", "2": "new", "3": "done", "4": "indeterminate"}.get(
        str(category.get("id"))
    )
    return Status(str(status.get("id") or "1"), str(status.get("name")), _CATEGORIES.get(str(key), StatusCategory.DONE))
